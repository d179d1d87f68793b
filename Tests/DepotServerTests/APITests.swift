import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

private let newCase = """
    {"customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1",
     "impact": "high", "urgency": "medium", "title": "Unit reboots", "description": "since Monday"}
    """

@Suite("JSON API")
struct APITests {
    @Test("units list and search by part of a serial, customer, model and status, paged; RMA list items have no history")
    func unitList() async throws {
        let server = try TestServer()
        try await server.run { client in
            func get(_ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let response = try await client.execute(uri: uri, method: .get, headers: server.auth(.logistics))
                return (response.status, (try? json(response)) ?? [:])
            }
            let (status, all) = try await get("/api/v1/units?limit=2")
            let items = try #require(all["items"] as? [[String: Any]])
            #expect(status == .ok && items.count == 2 && all["next"] as? Int == 2)
            #expect(Set(items[0].keys) == ["serial", "model", "status", "customer", "site", "warrantyEnd"])
            let serials = items.compactMap { $0["serial"] as? String }
            #expect(serials == serials.sorted())
            let (_, acme) = try await get("/api/v1/units?serial=cme-&customer=acme&limit=500")
            let found = try #require(acme["items"] as? [[String: Any]])
            #expect(
                !found.isEmpty
                    && found.allSatisfy { ($0["serial"] as? String)?.contains("CME-") == true && $0["customer"] as? String == "ACME" })
            #expect(acme["next"] is NSNull)
            let (bad, error) = try await get("/api/v1/units?status=lost")
            #expect(bad == .badRequest && (error["error"] as? [String: Any])?["field"] as? String == "status")
            let (_, rmas) = try await get("/api/v1/rmas")
            #expect((rmas["items"] as? [[String: Any]] ?? []).allSatisfy { $0["history"] == nil })
        }
    }

    @Test("each step takes its own body: fields of another step are refused, required ones named; empty filters are refused")
    func stepBodies() async throws {
        let server = try TestServer()
        let newCase = TestServer.questionCase
        try await server.run { client in
            func post(_ uri: String, _ body: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let response = try await client.execute(
                    uri: uri, method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: body))
                return (response.status, (try? json(response)["error"] as? [String: Any]) ?? [:])
            }
            let opened = try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase))
            let number = try #require(try json(opened)["case"] as? String)
            let (respond, error) = try await post("/api/v1/cases/\(number)/respond", #"{"confirmedBy": "ops@acme.example"}"#)
            #expect(respond == .badRequest && error["field"] as? String == "confirmedBy")
            let (wait, waitError) = try await post("/api/v1/cases/\(number)/wait", #"{"note": "logs"}"#)
            #expect(wait == .badRequest && waitError["field"] as? String == "note")
            #expect(try await post("/api/v1/cases/\(number)/respond", #"{"note": "on it"}"#).0 == .ok)
            for (uri, field) in [
                ("/api/v1/cases?priority=", "priority"), ("/api/v1/rmas?open=", "open"), ("/api/v1/units?status=", "status"),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: server.auth(.logistics))
                let error = try json(response)["error"] as? [String: Any]
                #expect(response.status == .badRequest && error?["field"] as? String == field, "\(uri)")
            }
        }
    }

    @Test("a 201 says where the new record is (a replay too); an address under /api that is no route answers the JSON 404")
    func locations() async throws {
        let server = try TestServer()
        let newCase = TestServer.questionCase
        try await server.run { client in
            var keyed = server.auth(.supportEngineer)
            keyed[.init("Idempotency-Key")!] = "location-1"
            for replay in [false, true] {
                let opened = try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: keyed, body: ByteBuffer(string: newCase))
                let number = try #require(try json(opened)["case"] as? String)
                #expect(opened.status == .created && opened.headers[.location] == "/api/v1/cases/\(number)", "replay: \(replay)")
                #expect(try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: keyed).status == .ok)
            }
            let nowhere = try await client.execute(uri: "/api/v1/nowhere/x", method: .get, headers: server.auth(.admin))
            #expect(nowhere.status == .notFound && nowhere.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect((try json(nowhere)["error"] as? [String: Any])?["code"] as? String == "not-found")
        }
    }

    @Test("healthz answers ok; metrics count requests by route and status, and show open cases and RMAs by state")
    func health() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/api/v1/units/NOPE-1", method: .get, headers: server.auth(.admin)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains(#"depot_http_requests_total{method="POST",route="/api/v1/cases",status="201"} 1"#))
                #expect(text.contains(#"depot_http_requests_total{method="GET",route="/api/v1/units/{serial}",status="404"} 1"#))
                #expect(text.contains("depot_open_cases 1"))
                #expect(text.contains(#"depot_rmas{state="approved"} 0"#))
                #expect(text.contains("depot_http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test("GET /api/v1/units/{serial}: 200 with the contract keys, 401 without or with a wrong token, 404 for an unknown serial")
    func units() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(uri: "/api/v1/units/acme-1", method: .get, headers: server.auth(.accountManager)) { response in
                #expect(response.status == .ok)
                let unit = try json(response)
                #expect(
                    unit["serial"] as? String == "ACME-1" && unit["model"] as? String == "DX-100" && unit["customer"] as? String == "ACME")
                #expect(
                    unit["site"] as? String == "ACME-NYC" && unit["status"] as? String == "in-service"
                        && unit["warrantyEnd"] as? String == "2027-03-01")
            }
            try await client.execute(uri: "/api/v1/units/ACME-1", method: .get) { response in
                #expect(response.status == .unauthorized)
                let code = try errorCode(response)
                #expect(code == "unauthenticated")
            }
            try await client.execute(uri: "/api/v1/units/ACME-1", method: .get, headers: [.authorization: "Bearer dpt_wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/units/NOPE-9", method: .get, headers: server.auth(.logistics)) { response in
                #expect(response.status == .notFound)
                let code = try errorCode(response)
                #expect(code == "not-found")
            }
        }
    }

    @Test("POST /api/v1/cases: 201 with the number; 400 naming a missing field; 403 for a wrong role; 409 for a refused P1")
    func openCase() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                response in
                #expect(response.status == .created)
                let body = try json(response)
                #expect(body as NSDictionary == ["case": "CS-2026-000001"])
            }
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: #"{"customer": "ACME"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let error = try json(response)["error"] as? [String: Any]
                #expect(error?["message"] as? String == "contact: required" && error?["field"] as? String == "contact")
            }
            // In the API's terms: the field's name, never a command-line flag, never the value sent back.
            let refusals: [(String, String, String)] = [
                (#""urgency": "urgent""#, "urgency", "urgency: must be one of high, medium, low"),
                (#""title": """#, "title", "title: "),
                (#""impact": 3"#, "impact", "impact: must be a string"),
                (#""madeUp": "x""#, "madeUp", #""madeUp": unknown field"#),
                (#""serial": null"#, "serial", "serial: null"), (#""serial": "SN 1""#, "serial", "serial: not a serial"),
            ]
            for (change, field, message) in refusals {
                let base =
                    #"{"customer": "ACME", "contact": "ops@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Q""#
                var body = try #require(try JSONSerialization.jsonObject(with: Data((base + "}").utf8)) as? [String: Any])
                let replacement = try #require(try JSONSerialization.jsonObject(with: Data(("{" + change + "}").utf8)) as? [String: Any])
                body.merge(replacement) { $1 }
                let response = try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
                let error = try json(response)["error"] as? [String: Any]
                let text = error?["message"] as? String ?? ""
                #expect(
                    response.status == .badRequest && error?["field"] as? String == field && text.hasPrefix(message), "\(change): \(text)")
                #expect(!text.contains("--") && !text.contains("urgent\"") && !text.contains("Cannot initialize"), "\(text)")
            }
            #expect(
                try server.depot.database.read { db in try db.value(Int.self, "SELECT count(*) FROM support_case WHERE title = 'Q'") } == 0)
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.logistics), body: ByteBuffer(string: newCase)
            ) {
                response in
                #expect(response.status == .forbidden)
                let code = try errorCode(response)
                #expect(code == "forbidden")
            }
            let p1 = newCase.replacingOccurrences(of: #""urgency": "medium""#, with: #""urgency": "high""#)
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: p1)
            ) {
                response in
                #expect(response.status == .conflict)
                let code = try errorCode(response)
                #expect(code == "refused")
            }
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .unauthorized)
            }
        }
        // The audit log names the signed-in user.
        #expect(try server.depot.database.auditEntries(entity: "case").map(\.user) == ["user-support-engineer"])
    }

    @Test(
        "case steps: 200 with the new status, 409 naming the allowed steps when the status does not allow it, 404 for a case that is not there"
    )
    func caseSteps() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/api/v1/cases/CS-2026-000001/respond", method: .post, headers: server.auth(.supportEngineer)) {
                response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["status"] as? String == "responded")
            }
            try await client.execute(uri: "/api/v1/cases/CS-2026-000001/respond", method: .post, headers: server.auth(.supportEngineer)) {
                response in
                #expect(response.status == .conflict)
                let error = try json(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "illegal-transition")
                #expect(
                    error?["message"] as? String
                        == "CS-2026-000001 is responded: cannot respond; allowed next: workaround, wait, resolve, close")
            }
            // Waiting on the customer: the reason is required (400 naming it), resume returns to responded.
            try await client.execute(
                uri: "/api/v1/cases/CS-2026-000001/wait", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
                let error = try json(response)["error"] as? [String: Any]
                let message = error?["message"] as? String ?? ""
                #expect(message == "reason: required" && error?["field"] as? String == "reason", "\(message)")
            }
            try await client.execute(
                uri: "/api/v1/cases/CS-2026-000001/wait", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: #"{"reason": "the customer's logs"}"#)
            ) { response in
                let body = try json(response)
                #expect(body["status"] as? String == "waiting-on-customer")
            }
            try await client.execute(uri: "/api/v1/cases/CS-2026-000001/resume", method: .post, headers: server.auth(.supportEngineer)) {
                response in
                let body = try json(response)
                #expect(body["status"] as? String == "responded")
            }
            try await client.execute(uri: "/api/v1/cases/CS-2026-000009", method: .get, headers: server.auth(.admin)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/cases/CS-2026-000001", method: .get, headers: server.auth(.accountManager)) { response in
                #expect(response.status == .ok)
                let detail = try json(response)
                #expect(detail["case"] as? String == "CS-2026-000001" && detail["status"] as? String == "responded")
            }
        }
    }
}

@Suite("JSON API: diagnosis, RMAs, lists and reports")
struct WorkflowAPITests {
    @Test("a whole advance replacement over the API, with 409 for a step out of order and 403 for a wrong role")
    func rmaOverAPI() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .created)
            }
            let diagnosis = #"{"serial": "ACME-1", "case": "CS-2026-000001", "verdict": "defective", "note": "PSU dead"}"#
            try await client.execute(
                uri: "/api/v1/diagnoses", method: .post, headers: server.auth(.logistics), body: ByteBuffer(string: diagnosis)
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: "/api/v1/diagnoses", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: diagnosis)
            ) {
                response in
                #expect(response.status == .created)
                let body = try json(response)
                #expect(body["rma"] as? String == "RMA-2026-000001" && body["path"] as? String == "advance-replacement")
                #expect(body["shipBy"] as? String == "2026-11-24T15:00:00Z")
            }
            try await client.execute(uri: "/api/v1/rmas/RMA-2026-000001/receive", method: .post, headers: server.auth(.logistics)) {
                response in
                #expect(response.status == .conflict)
                let body = try json(response)
                #expect(
                    (body["error"] as? [String: Any])?["message"] as? String
                        == "RMA-2026-000001 is approved: cannot receive; allowed next: allocate, cancel")
            }
            try await client.execute(uri: "/api/v1/rmas/RMA-2026-000001/allocate", method: .post, headers: server.auth(.logistics)) {
                response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["state"] as? String == "allocated" && body["replacementSerial"] as? String == "SPARE-US-1")
            }
            try await client.execute(
                uri: "/api/v1/rmas/RMA-2026-000001/ship", method: .post, headers: server.auth(.logistics),
                body: ByteBuffer(string: #"{"carrier": "UPS"}"#)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/api/v1/rmas/RMA-2026-000001/ship", method: .post, headers: server.auth(.logistics),
                body: ByteBuffer(string: #"{"carrier": "UPS", "tracking": "1Z9"}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/rmas/RMA-2026-000001/teleport", method: .post, headers: server.auth(.logistics)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/rmas/RMA-2026-000001", method: .get, headers: server.auth(.accountManager)) { response in
                let body = try json(response)
                #expect(body["state"] as? String == "shipped" && body["overdue"] as? Bool == false)
            }
            try await client.execute(uri: "/api/v1/units/SPARE-US-1", method: .get, headers: server.auth(.accountManager)) { response in
                let body = try json(response)
                #expect(body["replaces"] as? String == "ACME-1" && body["customer"] as? String == "ACME")
            }
        }
    }

    @Test("lists page with limit and offset; bad query values are 400; reports come as CSV; an unknown report is 404")
    func listsAndReports() async throws {
        let server = try TestServer()
        try await server.run { client in
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                    body: ByteBuffer(string: newCase.replacingOccurrences(of: "hardware-fault", with: "question"))
                ) {
                    #expect($0.status == .created)
                }
            }
            try await client.execute(uri: "/api/v1/cases?limit=2", method: .get, headers: server.auth(.accountManager)) { response in
                let body = try json(response)
                #expect((body["items"] as? [[String: Any]])?.count == 2 && body["next"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/cases?limit=2&offset=2", method: .get, headers: server.auth(.accountManager)) {
                response in
                let body = try json(response)
                #expect((body["items"] as? [[String: Any]])?.count == 1 && body["next"] is NSNull)
            }
            try await client.execute(uri: "/api/v1/cases?status=lost", method: .get, headers: server.auth(.accountManager)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/cases?limit=0", method: .get, headers: server.auth(.accountManager)) {
                #expect($0.status == .badRequest)
            }
            // Not a number is not the default page.
            try await client.execute(uri: "/api/v1/rmas?limit=abc", method: .get, headers: server.auth(.accountManager)) {
                #expect($0.status == .badRequest && String(buffer: $0.body).contains("limit: must be a whole number"))
            }
            try await client.execute(
                uri: "/api/v1/reports/warranty-expiry.csv?as-of=2026-11-23", method: .get, headers: server.auth(.accountManager)
            ) {
                response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(
                    String(buffer: response.body).hasPrefix("customer,account_manager,site,serial,model,ship_date,warranty_end,days_left,"))
                #expect(String(buffer: response.body).contains("GLOBEX-1,DX-100,2026-02-01,2027-02-01,70,standard,2026-12-31\r\n"))
            }
            try await client.execute(uri: "/api/v1/reports/nonsense.csv", method: .get, headers: server.auth(.accountManager)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/reports/warranty-expiry.csv?as-of=yesterday", method: .get, headers: server.auth(.accountManager)
            ) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(
                uri: "/api/v1/reports/warranty-expiry.csv?customer=NOPE", method: .get, headers: server.auth(.accountManager)
            ) {
                #expect($0.status == .badRequest && String(buffer: $0.body).contains(#""message":"customer: no such customer""#))
            }
        }
    }
}
