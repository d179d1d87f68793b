import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 8: the new-case form fills what the unit knows, offers the customer's contacts (designated ones
/// marked), says which priority is suggested and why, and starts the cursor in the first empty field.
@Suite("The new-case form")
struct NewCaseFormTests {
    @Test("opened from a unit: customer, site and version filled, contacts to choose from, the cursor on the contact")
    func fromUnit() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let page = String(buffer: try await engineer.get(client, "/cases/new?serial=acme-1+").body)
            #expect(page.contains("name=\"customer\" value=\"ACME\""))
            #expect(page.contains("name=\"serial\" value=\"ACME-1\"") && page.contains("at site ACME-NYC"))
            #expect(page.contains("name=\"softwareVersion\" value=\"5.1\""))
            #expect(page.contains("<option value=\"ops@acme.example\">Olga Ops &lt;ops@acme.example&gt; · designated</option>"))
            #expect(page.contains("<option value=\"dev@acme.example\">Dan Dev &lt;dev@acme.example&gt;</option>"))
            #expect(!page.contains("it@globex.example"))
            #expect(page.contains("<select id=\"contact\" name=\"contact\" autofocus required>"))
            // One field has the focus: the header's search box gives it up here.
            #expect(page.components(separatedBy: "autofocus").count == 2)
            #expect(page.contains("Suggested: P3 (minor fault or few users, workaround possible) for impact medium and urgency medium."))
            #expect(page.contains("<tr><td>high</td><td>P1</td><td>P2</td><td>P3</td></tr>"))
        }
    }

    @Test("after a mistake: what was chosen stays, the suggestion follows the impact and urgency sent, the cursor at the field")
    func afterMistake() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let sent = try await engineer.post(
                client, "/cases",
                [
                    "customer": "acme", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1", "impact": "high",
                    "urgency": "high", "title": " ",
                ])
            let page = String(buffer: sent.body)
            #expect(sent.status == .badRequest)
            #expect(page.contains("<option value=\"dev@acme.example\" selected>Dan Dev"))
            #expect(page.contains("Suggested: P1 (production system down, no workaround) for impact high and urgency high."))
            #expect(page.contains("id=\"title\" name=\"title\" autofocus"))
            // Nothing was opened.
            #expect(try server.depot.database.cases(CaseFilter(), now: TestServer.now).isEmpty)
            // A customer the form does not know: a text field for the contact (the check comes when the form is sent).
            let unknown = String(buffer: try await engineer.get(client, "/cases/new?customer=NOPE").body)
            #expect(unknown.contains("<input id=\"contact\" name=\"contact\" autofocus type=\"email\""))
        }
    }
}
