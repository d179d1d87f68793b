import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, defect 3: a mistake on a form shows the same form again, with everything the user typed and the message
/// next to the field it is about, inside the site's navigation; nothing was recorded.
@Suite("Forms keep the user's work")
struct FormProblemTests {
    static let filled: [String: String] = [
        "customer": "ACME", "contact": "dev@acme.example", "type": "question", "serial": "", "impact": "low", "urgency": "high",
        "priority": "", "reason": "", "softwareVersion": "", "title": "Fan <loud> & \"rattling\"",
        "description": "Since Monday.\nEvery hour.",
    ]

    @Test("a new case with an unknown contact, no title, an unexplained priority or a P1 from a plain contact")
    func newCaseForm() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            func post(_ changes: [String: String]) async throws -> (HTTPResponse.Status, String) {
                let response = try await engineer.post(client, "/cases", Self.filled.merging(changes) { $1 })
                return (response.status, String(buffer: response.body))
            }
            let (status, page) = try await post(["contact": "nobody@acme.example"])
            #expect(status == .notFound)
            #expect(page.contains("<nav>") && page.contains("id=\"problem\""))
            #expect(page.contains("id=\"contact-problem\">no contact &quot;nobody@acme.example&quot;</p>"))
            #expect(page.contains("<select id=\"contact\" name=\"contact\" autofocus required aria-invalid=\"true\""))
            #expect(page.contains("<option value=\"nobody@acme.example\" selected>nobody@acme.example (not a contact of ACME)</option>"))
            // Everything else as typed (escaped), the selects on the values chosen.
            #expect(page.contains("value=\"Fan &lt;loud&gt; &amp; &quot;rattling&quot;\""))
            #expect(page.contains(">Since Monday.\nEvery hour.</textarea>"))
            #expect(page.contains("<option value=\"question\" selected>") && page.contains("<option value=\"high\" selected>"))
            #expect(page.contains("<option value=\"low\" selected>"))

            let (noTitle, titlePage) = try await post(["title": "  "])
            #expect(noTitle == .badRequest && titlePage.contains("id=\"title-problem\">field &quot;title&quot; is required</p>"))

            // Urgency high and impact low suggest P3; P2 needs a reason, said at the reason field without the flag's name.
            let (unexplained, reasonPage) = try await post(["priority": "P2"])
            #expect(unexplained == .badRequest && reasonPage.contains("id=\"reason-problem\">priority P2 differs from the suggested"))
            #expect(reasonPage.contains("<option value=\"P2\" selected>"))

            // dev@acme.example is not designated: a P1 from them is refused, at the priority field.
            let (refused, p1Page) = try await post(["priority": "P1", "reason": "site down"])
            #expect(refused == .conflict && p1Page.contains("id=\"priority-problem\">P1: only a designated, certified contact"))

            // Nothing was recorded by any of them.
            #expect(try server.depot.database.cases(CaseFilter(), now: TestServer.now).isEmpty)
            // And the form, put right, opens the case.
            let response = try await engineer.post(client, "/cases", Self.filled)
            #expect(response.status == .seeOther && response.headers[.location] == "/cases/CS-2026-000001")
        }
    }

    @Test("a refused diagnosis or case step shows the case page again with the form as it was sent")
    func casePageForms() async throws {
        let server = try TestServer()
        let number = try server.depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Reboots"), at: TestServer.now, actor: TestDepot.engineer)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            // Another customer's unit: refused at the serial field, the note and verdict kept.
            let wrongUnit = try await engineer.post(
                client, "/cases/\(number)/diagnosis", ["serial": "globex-1", "verdict": "not-defective", "note": "Checked <PSU> & fan"])
            let page = String(buffer: wrongUnit.body)
            #expect(wrongUnit.status == .conflict && page.contains("<nav>") && page.contains("id=\"problem\""))
            #expect(page.contains("id=\"d-serial-problem\">GLOBEX-1: case \(number) is about another unit</p>"))
            #expect(
                page.contains(">Checked &lt;PSU&gt; &amp; fan</textarea>") && page.contains("<option value=\"not-defective\" selected>"))
            #expect(page.contains("value=\"globex-1\""))
            // Closing without naming the confirming contact: the message at the close form, the note kept.
            let close = try await engineer.post(client, "/cases/\(number)/close", ["confirmedBy": "", "note": "all good now"])
            let closePage = String(buffer: close.body)
            #expect(close.status == .badRequest && closePage.contains("action=\"/cases/\(number)/close\""))
            #expect(closePage.contains("value=\"all good now\""))
            #expect(try server.depot.database.caseDetail(number, now: TestServer.now).status == .open)
            // A defective verdict opens an RMA; the case page then offers no second diagnosis.
            let defective = try await engineer.post(
                client, "/cases/\(number)/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "PSU dead"])
            #expect(defective.status == .seeOther)
            let after = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(after.contains("RMA-2026-000001") && !after.contains("id=\"diagnosis-form\""))
            // An unknown case stays a not-found page.
            let unknown = try await engineer.post(
                client, "/cases/CS-2026-000099/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "x"])
            #expect(unknown.status == .notFound && !String(buffer: unknown.body).contains("diagnosis-form"))
        }
    }
}
