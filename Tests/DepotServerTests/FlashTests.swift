import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, items 5 and 3: every action says what it did on the page it returns to (once), back at the row acted
/// on; a refused step shows its form again with what was typed and the message at the field.
@Suite("Feedback after actions")
struct FlashTests {
    static func approvedRMA(_ server: TestServer) throws -> RMANumber {
        let db = server.depot.database
        let opened = TestServer.now.adding(seconds: -7200)
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "ops@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Dead"), at: opened, actor: TestDepot.engineer)
        return try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU", at: opened, actor: TestDepot.engineer)
                .rma)
    }

    @Test("allocating from the logistics queue says which spare went to which RMA, once, back at its row")
    func allocateFlash() async throws {
        let server = try TestServer()
        let rma = try Self.approvedRMA(server)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let sent = try await logistics.post(client, "/rmas/\(rma)/allocate", ["back": "/logistics"])
            #expect(sent.status == .seeOther && sent.headers[.location] == "/logistics#rma-\(rma.text)")
            let spare = try #require(try server.depot.database.rmaDetail(rma, now: TestServer.now).replacementSerial)
            let (page, cookies) = try await logistics.follow(client, sent)
            #expect(
                page.contains(
                    "<p class=\"flash\" role=\"status\" id=\"flash\">Spare \(spare) allocated to \(rma). State now allocated.</p>"))
            // The page the message is shown on clears it: the next page does not repeat it.
            #expect(cookies.contains { $0.hasPrefix("depot_flash=;") && $0.contains("Max-Age=0") })
            let again = String(buffer: try await logistics.get(client, "/logistics").body)
            #expect(!again.contains("class=\"flash\""))
            // A forged flash cookie is only text: escaped like everything else.
            let forged = try await client.execute(
                uri: "/logistics", method: .get, headers: [.cookie: logistics.cookie + "; depot_flash=%3Cscript%3Ex%3C%2Fscript%3E"])
            #expect(String(buffer: forged.body).contains("&lt;script&gt;x&lt;/script&gt;"))
        }
    }

    @Test("a case step says the case's new status; a refused RMA step shows its form again with what was typed")
    func caseStepAndRefusedStep() async throws {
        let server = try TestServer()
        let rma = try Self.approvedRMA(server)
        let caseNumber = try server.depot.database.rmaDetail(rma, now: TestServer.now).caseNumber
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let responded = try await engineer.post(client, "/cases/\(caseNumber)/respond", ["note": "on it"])
            let (casePage, _) = try await engineer.follow(client, responded)
            #expect(casePage.contains(">\(caseNumber): response recorded. Status now responded.</p>"))

            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            _ = try await logistics.post(client, "/rmas/\(rma)/allocate", [:])
            // Shipping without a tracking number: the RMA page again, the carrier kept, the message at the form.
            let refused = try await logistics.post(client, "/rmas/\(rma)/ship", ["carrier": "DHL Express", "tracking": " "])
            let page = String(buffer: refused.body)
            #expect(refused.status == .badRequest)
            #expect(page.contains("name=\"carrier\" value=\"DHL Express\""))
            #expect(page.contains("aria-label=\"tracking number for \(rma)\" required aria-invalid=\"true\""))
            #expect(page.contains("<p class=\"field-problem\">") && page.contains("<nav>"))
            #expect(try server.depot.database.rmaDetail(rma, now: TestServer.now).state == .allocated)
        }
    }
}
