import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// SPEC.md 8 through the API and the pages: INITECH (premium, Sydney) is closed at the test server's time (02:00 there).
@Suite("After-hours PIN on the API and the pages")
struct AfterHoursServerTests {
    static let newCase =
        #"{"customer": "INITECH", "contact": "it@initech.example", "type": "question", "impact": "high", "urgency": "high", "title": "Down""#

    @Test("the PIN is made once by an account manager, shown once; with it a case runs on wall-clock time, without it says why")
    func api() async throws {
        let server = try TestServer()
        try await server.run { client in
            func post(_ uri: String, _ body: String, as role: Role) async throws -> (HTTPResponse.Status, [String: Any], HTTPFields) {
                let response = try await client.execute(uri: uri, method: .post, headers: server.auth(role), body: ByteBuffer(string: body))
                let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
                return (response.status, json, response.headers)
            }
            #expect(try await post("/api/v1/customers/INITECH/pin", "{}", as: .supportEngineer).0 == .forbidden)
            let (made, body, headers) = try await post("/api/v1/customers/INITECH/pin", "{}", as: .accountManager)
            let pin = try #require(body["pin"] as? String)
            #expect(made == .created && body["customer"] as? String == "INITECH" && headers[.cacheControl] == "no-store")
            #expect(pin.count == 8 && pin.allSatisfy { $0.isNumber })
            #expect(try await post("/api/v1/customers/INITECH/pin", "{}", as: .admin).0 == .conflict)
            let (opened, withPIN, _) = try await post("/api/v1/cases", Self.newCase + #", "pin": "\#(pin)"}"#, as: .supportEngineer)
            #expect(opened == .created && withPIN["afterHours"] as? Bool == true)
            #expect(withPIN["clocksFrom"] as? String == TestServer.now.description)
            let (_, wrong, _) = try await post("/api/v1/cases", Self.newCase + #", "pin": "00000000"}"#, as: .supportEngineer)
            #expect(wrong["afterHours"] as? Bool == false && (wrong["clockNote"] as? String)?.contains("wrong PIN") == true)
            // An open region's case answers only its number (GLOBEX is standard anyway).
            let (_, plain, _) = try await post(
                "/api/v1/cases",
                #"{"customer": "ACME", "contact": "ops@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Q", "pin": "\#(pin)"}"#,
                as: .supportEngineer)
            #expect(Set(plain.keys) == ["case"])
            let shown = try #require(withPIN["case"] as? String)
            try await client.execute(uri: "/api/v1/cases/\(shown)", method: .get, headers: server.auth(.logistics)) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["afterHours"] as? Bool == true && json["responseThreshold"] as? String == "1 hour")
                #expect(json["responseDue"] as? String == TestServer.now.adding(seconds: 3600).description)
            }
            // The PIN itself is nowhere in the customer's record.
            try await client.execute(uri: "/api/v1/customers/INITECH", method: .get, headers: server.auth(.admin)) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#""pinSet":true"#) && !text.contains(pin))
            }
        }
        #expect(try server.depot.database.pendingNotifications().map(\.event) == ["after-hours"])
    }

    @Test("a PIN is checked on the password checks' threads: when they are all taken, 503 with Retry-After and no case")
    func pinChecksBounded() async throws {
        let server = try TestServer()
        let pin = "24681357"
        _ = try server.depot.database.setCustomerPIN(
            "INITECH", hash: Credentials.hashPassword(pin, cost: 4), rotate: false, at: TestServer.now, actor: TestDepot.admin)
        var configuration = ServerConfiguration()
        configuration.passwordCheckLimit = 0
        let busy = try buildApplication(database: server.depot.database, configuration: configuration, now: { TestServer.now })
        try await busy.test(.router) { client in
            let refused = try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: Self.newCase + #", "pin": "\#(pin)"}"#))
            #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] == "1")
            #expect(String(buffer: refused.body).contains(#""code":"busy""#))
            // Without a PIN nothing slow is checked: the case opens.
            let plain = try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: Self.newCase + "}"))
            #expect(plain.status == .created)
        }
        let cases = try server.depot.outside { db in try db.value(Int.self, "SELECT count(*) FROM support_case WHERE title = 'Down'") }
        #expect(cases == 1)
    }

    @Test("the customer page makes the PIN and shows it on that answer only; the new-case form takes it")
    func pages() async throws {
        let server = try TestServer()
        try await server.run { client in
            let manager = try await TestBrowser.signIn(client, as: .accountManager)
            let made = try await manager.post(client, "/customers/INITECH/pin", [:])
            let page = String(buffer: made.body)
            #expect(made.status == .ok && made.headers[.cacheControl] == "no-store")
            let start = try #require(page.range(of: "is <strong>"))
            let pin = String(page[start.upperBound...].prefix(8))
            #expect(pin.allSatisfy { $0.isNumber })
            let again = String(buffer: try await manager.get(client, "/customers/INITECH").body)
            #expect(!again.contains(pin) && again.contains("id=\"rotate-pin\""))
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            #expect(try await engineer.post(client, "/customers/INITECH/pin", ["rotate": "yes"]).status == .forbidden)
            let fields = [
                "customer": "INITECH", "contact": "it@initech.example", "type": "question", "impact": "high", "urgency": "high",
                "title": "Down at night", "pin": pin,
            ]
            let opened = try await engineer.post(client, "/cases", fields)
            #expect(opened.status == .seeOther)
            let location = try #require(opened.headers[.location])
            let casePage = String(buffer: try await engineer.get(client, location).body)
            #expect(casePage.contains("id=\"clock-note\">opened outside the region&#39;s hours with the customer&#39;s PIN"))
            // A refused form never shows the PIN again.
            var bad = fields
            bad["title"] = ""
            let refused = String(buffer: try await engineer.post(client, "/cases", bad).body)
            #expect(!refused.contains(pin))
        }
    }
}
