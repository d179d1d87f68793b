import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// The case page's owner forms, the support page's queues, and the API's ownership steps.
@Suite("Case ownership on the pages and the API")
struct OwnershipPageTests {
    static func open(_ server: TestServer, _ title: String, impact: Level = .medium) throws -> CaseNumber {
        try server.depot.database.openCase(
            NewCase(customer: "GLOBEX", contact: "it@globex.example", type: .question, impact: impact, urgency: .medium, title: title),
            at: TestServer.now.adding(seconds: -3600), actor: TestDepot.engineer)
    }

    @Test("take on the case page puts it in my queue and out of the unassigned one; another's case cannot be taken")
    func queues() async throws {
        let server = try TestServer()
        let (first, second) = (try Self.open(server, "First"), try Self.open(server, "Second", impact: .high))
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            var support = String(buffer: try await engineer.get(client, "/support").body)
            #expect(ListPagesTests.numbers(support, table: "my-cases").isEmpty)
            #expect(
                ListPagesTests.numbers(support, table: "unassigned-cases") == ["unassigned-cases-\(second)", "unassigned-cases-\(first)"])
            let taken = try await engineer.post(client, "/cases/\(first)/take", [:])
            #expect(taken.status == .seeOther)
            support = String(buffer: try await engineer.get(client, "/support").body)
            #expect(ListPagesTests.numbers(support, table: "my-cases") == ["my-cases-\(first)"])
            #expect(ListPagesTests.numbers(support, table: "unassigned-cases") == ["unassigned-cases-\(second)"])
            let page = String(buffer: try await engineer.get(client, "/cases/\(first)").body)
            #expect(page.contains("<strong id=\"case-owner\">user-support-engineer</strong>") && !page.contains("id=\"step-take\""))
            // The admin hands it over; the engineer cannot take it back, and the page says why.
            let admin = try await TestBrowser.signIn(client, as: .admin)
            #expect(try await admin.post(client, "/cases/\(first)/assign", ["to": "user-admin"]).status == .seeOther)
            let refused = try await engineer.post(client, "/cases/\(first)/take", [:])
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("is taken by user-admin"))
            // A priority change without a reason is refused at its field; with one it moves the deadline.
            let blank = try await engineer.post(client, "/cases/\(second)/priority", ["priority": "P3", "reason": " "])
            #expect(blank.status == .badRequest)
            #expect(
                try await engineer.post(client, "/cases/\(second)/priority", ["priority": "P3", "reason": "one user"]).status == .seeOther)
            #expect(try server.depot.database.caseDetail(second, now: TestServer.now).priority == .p3)
            // The customer's escalation: on the page for every role, and queued for leadership.
            let asked = try await engineer.post(
                client, "/cases/\(second)/escalate", ["requestedBy": "it@globex.example", "reason": "urgent <now>"])
            #expect(asked.status == .seeOther)
            let manager = try await TestBrowser.signIn(client, as: .accountManager)
            let seen = String(buffer: try await manager.get(client, "/cases/\(second)").body)
            #expect(
                seen.contains("id=\"customer-escalations\"") && seen.contains("urgent &lt;now&gt;")
                    && !seen.contains("id=\"step-escalate\""))
            #expect(try await manager.post(client, "/cases/\(second)/take", [:]).status == .forbidden)
        }
        #expect(try server.depot.database.pendingNotifications().map(\.event) == ["customer-escalation"])
    }

    @Test("the API's assign, take, priority and escalate: 200/201, 409 for a refusal, 404 for an unknown step, 400 for a bad body")
    func api() async throws {
        let server = try TestServer()
        let number = try Self.open(server, "Via the API")
        try await server.run { client in
            func post(_ step: String, _ body: String, as role: Role = .supportEngineer) async throws -> (HTTPResponse.Status, [String: Any])
            {
                let response = try await client.execute(
                    uri: "/api/v1/cases/\(number)/\(step)", method: .post, headers: server.auth(role), body: ByteBuffer(string: body))
                return (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
            }
            let (taken, takenBody) = try await post("take", "{}")
            #expect(taken == .ok && takenBody["owner"] as? String == "user-support-engineer" && takenBody["changed"] as? Bool == true)
            #expect(try await post("take", "{}", as: .admin).0 == .conflict)
            #expect(try await post("assign", #"{"to": "user-logistics"}"#).0 == .conflict)
            #expect(try await post("assign", #"{"to": "nobody-here"}"#).0 == .notFound)
            #expect(try await post("assign", #"{"to": "user-admin"}"#).0 == .ok)
            #expect(try await post("assign", #"{"to": "user-admin"}"#, as: .logistics).0 == .forbidden)
            #expect(try await post("priority", #"{"priority": "urgent", "reason": "x"}"#).0 == .badRequest)
            let (changed, changedBody) = try await post("priority", #"{"priority": "P2", "reason": "site down"}"#)
            #expect(changed == .ok && changedBody["was"] as? String == "P3" && (changedBody["deadlines"] as? [Any])?.isEmpty == false)
            let (asked, askedBody) = try await post("escalate", #"{"requestedBy": "it@globex.example", "reason": "CFO"}"#)
            #expect(asked == .created && askedBody["requestedBy"] as? String == "it@globex.example")
            #expect(try await post("escalate", #"{"requestedBy": "ops@acme.example", "reason": "CFO"}"#).0 == .conflict)
            #expect(try await post("dance", "{}").0 == .notFound)
            try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: server.auth(.logistics)) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["owner"] as? String == "user-admin" && json["afterHours"] as? Bool == false)
                #expect(json["unsupportedVersion"] as? Bool == false && (json["customerEscalations"] as? [Any])?.count == 1)
            }
        }
    }
}
