import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 6: steps that end a record ask to confirm; delivery and receipt take the time they happened (in
/// the RMA region's zone); receiving takes the serial read off the unit and refuses another unit.
@Suite("Safe steps")
struct SafeStepsTests {
    @Test("cancel and close confirm; deliver and receive take their time; receive refuses another unit's serial")
    func safeSteps() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let rma = try FlashTests.approvedRMA(server)
        let number = try db.rmaDetail(rma, now: TestServer.now).caseNumber
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let path = "/rmas/\(rma)"
            let page = String(buffer: try await logistics.get(client, path).body)
            #expect(page.contains("name=\"confirm\" value=\"yes\" required> Yes, cancel \(rma)"))
            // Approved two hours ago with a next-business-day ship-by: not late yet, and never called a late return.
            #expect(page.contains("none yet") && !page.contains("return overdue"))
            // Cancelling without ticking the box changes nothing.
            let unconfirmed = try await logistics.post(client, "\(path)/cancel", ["reason": "duplicate"])
            #expect(unconfirmed.status == .badRequest && String(buffer: unconfirmed.body).contains("tick the box to confirm"))
            #expect(try db.rmaDetail(rma, now: TestServer.now).state == .approved)

            #expect(try await logistics.post(client, "\(path)/allocate", [:]).status == .seeOther)
            #expect(try await logistics.post(client, "\(path)/ship", ["carrier": "UPS", "tracking": "1Z"]).status == .seeOther)
            let shipped = String(buffer: try await logistics.get(client, path).body)
            #expect(
                shipped.contains("Delivered at (America/New_York) <input type=\"datetime-local\" name=\"at\" value=\"2026-11-23T10:00\""))
            // A time after now is refused; the time given is read in the RMA region's zone (10:00 New York = 15:00 UTC).
            let future = try await logistics.post(client, "\(path)/deliver", ["at": "2026-11-23T10:30"])
            #expect(future.status == .badRequest && String(buffer: future.body).contains("is in the future"))
            #expect(try await logistics.post(client, "\(path)/deliver", ["at": "2026-11-23T10:00"]).status == .seeOther)
            let delivered = try db.rmaDetail(rma, now: TestServer.now)
            #expect(delivered.state == .delivered && delivered.history?.last?.at == TestServer.now)
            #expect(try await logistics.post(client, "\(path)/return-ship", [:]).status == .seeOther)
            // The unit that came back must be the RMA's: another serial is refused, the right one in any case is taken.
            let wrong = try await logistics.post(client, "\(path)/receive", ["serial": "GLOBEX-1", "at": "2026-11-23T10:00"])
            #expect(wrong.status == .conflict && String(buffer: wrong.body).contains("is not the unit of \(rma)"))
            let noSerial = try await logistics.post(client, "\(path)/receive", ["at": "2026-11-23T10:00"])
            #expect(noSerial.status == .badRequest)
            #expect(
                try await logistics.post(client, "\(path)/receive", ["serial": " acme-1 ", "at": "2026-11-23T10:00"]).status == .seeOther)
            #expect(try db.rmaDetail(rma, now: TestServer.now).state == .returnReceived)

            // Closing the case asks to confirm too (it deletes the attachments).
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let casePage = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(casePage.contains("Yes, close \(number): its attachments are deleted"))
            let close = try await engineer.post(client, "/cases/\(number)/close", ["confirmedBy": "ops@acme.example"])
            #expect(close.status == .badRequest && String(buffer: close.body).contains("tick the box to confirm"))
            #expect(try db.caseDetail(number, now: TestServer.now).status != .closed)
            let confirmed = try await engineer.post(
                client, "/cases/\(number)/close", ["confirmedBy": "ops@acme.example", "confirm": "yes"])
            let closedStatus = try db.caseDetail(number, now: TestServer.now).status
            #expect(confirmed.status == .seeOther && closedStatus == .closed)
        }
    }

    @Test("a sales referral's outcome has no default and closing it is confirmed")
    func referral() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let opened = TestServer.now.adding(seconds: -7200)
        // GLOBEX-OLD is out of warranty and GLOBEX standard: a sales referral.
        let number = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-OLD", impact: .high,
                urgency: .medium, title: "Dead"), at: opened, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(
                serial: "GLOBEX-OLD", caseNumber: number, verdict: .defective, note: "PSU", at: opened, actor: TestDepot.engineer
            )
            .rma)
        try await server.run { client in
            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            let page = String(buffer: try await accounts.get(client, "/rmas/\(rma)").body)
            #expect(page.contains("required><option value=\"\">choose the outcome</option><option value=\"purchased\">purchased</option>"))
            #expect(!page.contains(" selected>"))
            #expect(page.contains("none: a sales referral ships nothing") && !page.contains("none yet"))
            let noOutcome = try await accounts.post(client, "/rmas/\(rma)/close", ["confirm": "yes"])
            #expect(noOutcome.status == .badRequest)
            let unconfirmed = try await accounts.post(client, "/rmas/\(rma)/close", ["outcome": "purchased"])
            let stillReferred = try db.rmaDetail(rma, now: TestServer.now).state
            #expect(unconfirmed.status == .badRequest && stillReferred == .referred)
            #expect(try await accounts.post(client, "/rmas/\(rma)/close", ["outcome": "purchased", "confirm": "yes"]).status == .seeOther)
            #expect(try db.rmaDetail(rma, now: TestServer.now).state == .closed)
        }
    }
}
