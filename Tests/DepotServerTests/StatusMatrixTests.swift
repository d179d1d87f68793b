import DepotCore
import DepotServer
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route with every status it can answer, in one table per surface, run in order against one server
/// (the order builds the state: a case, then its RMA). A status a route cannot answer is left out on purpose:
/// reads are open to every role (no 403), and only steps of a state machine can be out of order (409).
@Suite("Every route, every status")
struct StatusMatrixTests {
    /// One request and the status it must get.
    struct Call: CustomStringConvertible {
        let method: HTTPRequest.Method
        let uri: String
        let role: Role?
        let body: String?
        let status: HTTPResponse.Status

        init(_ method: HTTPRequest.Method, _ uri: String, _ role: Role?, _ status: HTTPResponse.Status) {
            self.init(method, uri, role, nil, status)
        }

        init(_ method: HTTPRequest.Method, _ uri: String, _ role: Role?, _ body: String?, _ status: HTTPResponse.Status) {
            self.method = method
            self.uri = uri
            self.role = role
            self.body = body
            self.status = status
        }

        var description: String { "\(method) \(uri) as \(role?.rawValue ?? "nobody") -> \(status.code)" }
    }

    static let newCase =
        #"{"customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1", "impact": "high", "urgency": "medium", "title": "Reboots"}"#
    static let diagnosis = #"{"serial": "ACME-1", "case": "CS-2026-000001", "verdict": "defective", "note": "PSU dead"}"#

    static let api: [Call] = [
        Call(.get, "/healthz", nil, .ok),
        Call(.get, "/metrics", nil, .ok),
        Call(.get, "/api/openapi.yaml", nil, .ok),
        // Units and customers: read-only.
        Call(.get, "/api/v1/units/ACME-1", .logistics, .ok),
        Call(.get, "/api/v1/units/ACME-1", nil, .unauthorized),
        Call(.get, "/api/v1/units/NOPE-1", .logistics, .notFound),
        Call(.get, "/api/v1/customers", .accountManager, .ok),
        Call(.get, "/api/v1/customers?limit=501", .accountManager, .badRequest),
        Call(.get, "/api/v1/customers", nil, .unauthorized),
        Call(.get, "/api/v1/customers/ACME", .supportEngineer, .ok),
        Call(.get, "/api/v1/customers/ACME", nil, .unauthorized),
        Call(.get, "/api/v1/customers/NOPE", .supportEngineer, .notFound),
        // Cases.
        Call(.post, "/api/v1/cases", .supportEngineer, newCase, .created),
        Call(.post, "/api/v1/cases", .supportEngineer, #"{"customer": "ACME"}"#, .badRequest),
        Call(.post, "/api/v1/cases", .supportEngineer, "not json", .badRequest),
        Call(.post, "/api/v1/cases", nil, newCase, .unauthorized),
        Call(.post, "/api/v1/cases", .logistics, newCase, .forbidden),
        Call(.post, "/api/v1/cases", .supportEngineer, newCase.replacingOccurrences(of: "\"ACME\"", with: "\"NOPE\""), .notFound),
        Call(
            .post, "/api/v1/cases", .supportEngineer,
            newCase.replacingOccurrences(of: #""urgency": "medium""#, with: #""urgency": "high""#), .conflict),
        Call(.get, "/api/v1/cases?open=true", .accountManager, .ok),
        Call(.get, "/api/v1/cases?priority=P9", .accountManager, .badRequest),
        Call(.get, "/api/v1/cases", nil, .unauthorized),
        Call(.get, "/api/v1/cases/CS-2026-000001", .logistics, .ok),
        Call(.get, "/api/v1/cases/CS-2026-000001", nil, .unauthorized),
        Call(.get, "/api/v1/cases/CS-2026-000099", .logistics, .notFound),
        Call(.post, "/api/v1/cases/CS-2026-000001/respond", .supportEngineer, .ok),
        Call(.post, "/api/v1/cases/CS-2026-000001/respond", .supportEngineer, .conflict),
        Call(.post, "/api/v1/cases/CS-2026-000001/close", .supportEngineer, #"{"confirmedBy": 7}"#, .badRequest),
        Call(.post, "/api/v1/cases/CS-2026-000001/resolve", nil, .unauthorized),
        Call(.post, "/api/v1/cases/CS-2026-000001/resolve", .logistics, .forbidden),
        Call(.post, "/api/v1/cases/CS-2026-000099/resolve", .supportEngineer, .notFound),
        Call(.post, "/api/v1/cases/CS-2026-000001/teleport", .supportEngineer, .notFound),
        // Diagnosis and the RMA it starts.
        Call(
            .post, "/api/v1/diagnoses", .supportEngineer,
            #"{"serial": "ACME-1", "case": "CS-2026-000001", "verdict": "broken", "note": "x"}"#, .badRequest),
        Call(.post, "/api/v1/diagnoses", nil, diagnosis, .unauthorized),
        Call(.post, "/api/v1/diagnoses", .accountManager, diagnosis, .forbidden),
        Call(.post, "/api/v1/diagnoses", .supportEngineer, diagnosis.replacingOccurrences(of: "000001", with: "000099"), .notFound),
        Call(.post, "/api/v1/diagnoses", .supportEngineer, diagnosis, .created),
        Call(.post, "/api/v1/diagnoses", .supportEngineer, diagnosis, .conflict),
        Call(.get, "/api/v1/rmas?open=true", .accountManager, .ok),
        Call(.get, "/api/v1/rmas?state=lost", .accountManager, .badRequest),
        Call(.get, "/api/v1/rmas", nil, .unauthorized),
        Call(.get, "/api/v1/rmas/RMA-2026-000001", .supportEngineer, .ok),
        Call(.get, "/api/v1/rmas/RMA-2026-000001", nil, .unauthorized),
        Call(.get, "/api/v1/rmas/RMA-2026-000099", .supportEngineer, .notFound),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/allocate", nil, .unauthorized),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/allocate", .accountManager, .forbidden),
        Call(.post, "/api/v1/rmas/RMA-2026-000099/allocate", .logistics, .notFound),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/deliver", .logistics, .conflict),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/allocate", .logistics, .ok),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/ship", .logistics, #"{"carrier": "UPS"}"#, .badRequest),
        Call(.post, "/api/v1/rmas/RMA-2026-000001/ship", .logistics, #"{"carrier": "UPS", "tracking": "1Z"}"#, .ok),
        Call(.get, "/api/v1/rmas/RMA-2026-000001/label", .logistics, .ok),
        Call(.get, "/api/v1/rmas/RMA-2026-000001/label?direction=return", .logistics, .ok),
        Call(.get, "/api/v1/rmas/RMA-2026-000001/label?direction=sideways", .logistics, .badRequest),
        Call(.get, "/api/v1/rmas/RMA-2026-000001/label", nil, .unauthorized),
        Call(.get, "/api/v1/rmas/RMA-2026-000099/label", .logistics, .notFound),
        Call(.get, "/api/v1/cases/CS-2026-000001/attachments", .accountManager, .ok),
        Call(.get, "/api/v1/cases/CS-2026-000001/attachments", nil, .unauthorized),
        Call(.get, "/api/v1/cases/CS-2026-000099/attachments", .accountManager, .notFound),
        Call(.get, "/api/v1/attachments/1", nil, .unauthorized),
        Call(.get, "/api/v1/attachments/one", .admin, .notFound),
        // A customer's data on request (admin only).
        Call(.post, "/api/v1/customers/GLOBEX/erase-contacts", nil, #"{"confirm": true}"#, .unauthorized),
        Call(.get, "/api/v1/customers/ACME/export", .admin, .ok),
        Call(.get, "/api/v1/customers/ACME/export", .accountManager, .forbidden),
        Call(.get, "/api/v1/customers/ACME/export", nil, .unauthorized),
        Call(.get, "/api/v1/customers/NOPE/export", .admin, .notFound),
        Call(.post, "/api/v1/customers/GLOBEX/erase-contacts", .admin, "{}", .badRequest),
        Call(.post, "/api/v1/customers/GLOBEX/erase-contacts", .supportEngineer, #"{"confirm": true}"#, .forbidden),
        Call(.post, "/api/v1/customers/NOPE/erase-contacts", .admin, #"{"confirm": true}"#, .notFound),
        Call(.post, "/api/v1/customers/GLOBEX/erase-contacts", .admin, #"{"confirm": true, "contact": "it@globex.example"}"#, .ok),
        // Cases waiting on the customer.
        Call(.post, "/api/v1/cases/CS-2026-000001/wait", .supportEngineer, "{}", .badRequest),
        Call(.post, "/api/v1/cases/CS-2026-000001/wait", .accountManager, #"{"reason": "logs"}"#, .forbidden),
        Call(.post, "/api/v1/cases/CS-2026-000001/wait", .supportEngineer, #"{"reason": "logs"}"#, .ok),
        Call(.post, "/api/v1/cases/CS-2026-000001/wait", .supportEngineer, #"{"reason": "logs"}"#, .conflict),
        Call(.post, "/api/v1/cases/CS-2026-000001/resume", .supportEngineer, .ok),
        // Reports.
        Call(.get, "/api/v1/reports/shipping-queue.csv", .accountManager, .ok),
        Call(.get, "/api/v1/reports/shipping-queue.csv?since=2026-01-01", .accountManager, .badRequest),
        Call(.get, "/api/v1/reports/shipping-queue.csv", nil, .unauthorized),
        Call(.get, "/api/v1/reports/nonsense.csv", .accountManager, .notFound),
    ]

    @Test("the JSON API: success, 400, 401, 403, 404 and 409 wherever a route can answer them, each with a JSON error body")
    func apiRoutes() async throws {
        let server = try TestServer()
        try await server.run { client in
            for call in Self.api {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let role = call.role { headers[.authorization] = "Bearer \(server.tokens[role] ?? "")" }
                let response = try await client.execute(
                    uri: call.uri, method: call.method, headers: headers, body: call.body.map { ByteBuffer(string: $0) })
                #expect(response.status == call.status, "\(call): \(String(buffer: response.body))")
                if call.status.code >= 400 {
                    let message = (try? json(response)["error"] as? [String: Any])?["message"] as? String
                    #expect(message?.isEmpty == false, "\(call): no JSON error body")
                }
            }
        }
    }

    @Test("the web UI: every page 200 signed in and a sign-in redirect without a session; every form 303, 400, 403, 404 or 409 as a page")
    func webRoutes() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            let newCase = [
                "customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1", "impact": "high",
                "urgency": "medium", "title": "Reboots",
            ]
            let posts: [(TestBrowser, String, [String: String], HTTPResponse.Status)] = [
                (engineer, "/cases", newCase, .seeOther),
                (engineer, "/cases", ["customer": "ACME"], .badRequest),
                (logistics, "/cases", newCase, .forbidden),
                (engineer, "/cases", newCase.merging(["customer": "NOPE"]) { $1 }, .notFound),
                (engineer, "/cases", newCase.merging(["urgency": "high"]) { $1 }, .conflict),
                (engineer, "/cases/CS-2026-000001/respond", [:], .seeOther),
                (engineer, "/cases/CS-2026-000001/respond", [:], .conflict),
                (accounts, "/cases/CS-2026-000001/resolve", [:], .forbidden),
                (engineer, "/cases/CS-2026-000099/resolve", [:], .notFound),
                (engineer, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "broken", "note": "x"], .badRequest),
                (accounts, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "x"], .forbidden),
                (engineer, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "PSU"], .seeOther),
                (engineer, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "PSU"], .conflict),
                (accounts, "/rmas/RMA-2026-000001/allocate", [:], .forbidden),
                (logistics, "/rmas/RMA-2026-000001/deliver", [:], .conflict),
                (logistics, "/rmas/RMA-2026-000099/allocate", [:], .notFound),
                (logistics, "/rmas/RMA-2026-000001/allocate", [:], .seeOther),
                (logistics, "/rmas/RMA-2026-000001/ship", [:], .badRequest),
                (logistics, "/rmas/RMA-2026-000001/ship", ["carrier": "UPS", "tracking": "1Z"], .seeOther),
            ]
            for (browser, uri, fields, status) in posts {
                let response = try await browser.post(client, uri, fields)
                #expect(response.status == status, "POST \(uri) -> \(String(buffer: response.body).suffix(400))")
                if status.code >= 400 { #expect(String(buffer: response.body).contains("id=\"problem\""), "POST \(uri): no error page") }
                let forged = try await browser.post(client, uri, fields, csrf: "forged")
                #expect(forged.status == .forbidden, "POST \(uri) without the CSRF token")
            }
            let pages = [
                "/support", "/logistics", "/accounts", "/units/ACME-1", "/customers/ACME", "/cases/new", "/cases/CS-2026-000001",
                "/rmas/RMA-2026-000001", "/rmas/RMA-2026-000001/label", "/rmas/RMA-2026-000001/label?direction=return",
                "/rmas/RMA-2026-000001/label.svg", "/reports", "/reports/escalations", "/reports/escalations.csv", "/static/depot.css",
            ]
            for page in pages {
                #expect(try await accounts.get(client, page).status == .ok, "GET \(page)")
                if page != "/static/depot.css" {
                    #expect(try await client.execute(uri: page, method: .get).status == .seeOther, "GET \(page) signed out")
                }
            }
            for page in [
                "/units/NOPE-1", "/customers/NOPE", "/cases/CS-2026-000099", "/rmas/RMA-2026-000099", "/reports/nonsense",
                "/search?q=NOPE-1",
                "/rmas/RMA-2026-000099/label",
            ] {
                let response = try await accounts.get(client, page)
                #expect(response.status == .notFound && String(buffer: response.body).contains("id=\"problem\""), "GET \(page)")
            }
            for page in [
                "/search?q=", "/reports/warranty-expiry?as-of=tomorrow", "/reports/warranty-expiry?within-days=many",
                "/rmas/RMA-2026-000001/label?direction=sideways",
            ] {
                #expect(try await accounts.get(client, page).status == .badRequest, "GET \(page)")
            }
            #expect(try await accounts.get(client, "/search?q=CS-2026-000001").headers[.location] == "/cases/CS-2026-000001")
            #expect(try await accounts.get(client, "/search?q=rma-2026-000001").headers[.location] == "/rmas/RMA-2026-000001")
            #expect(try await accounts.get(client, "/search?q=GLOBEX").headers[.location] == "/customers/GLOBEX")
            #expect(try await accounts.get(client, "/").headers[.location] == "/accounts")
        }
    }
}
