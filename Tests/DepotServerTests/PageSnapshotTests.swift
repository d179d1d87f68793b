import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import SnapshotTesting
import Testing

/// The HTML of every page for one fixed fleet at one fixed time, held in `__Snapshots__/PageSnapshotTests/`, so that
/// a change of a template or a view model shows in review as a change of these files. A page without its snapshot
/// fails (swift-snapshot-testing records the missing file and fails the test); to accept a change on purpose, delete
/// the page's file, run the test once (it fails and writes the new file), and commit the file with the change.
@Suite("Page snapshots")
struct PageSnapshotTests {
    /// A page: who asks for it, its path, the status it answers and its snapshot's name.
    struct Page: CustomTestStringConvertible, Sendable {
        let name: String
        let role: Role?
        let uri: String
        let status: HTTPResponse.Status

        init(_ name: String, _ role: Role?, _ uri: String, _ status: HTTPResponse.Status = .ok) {
            self.name = name
            self.role = role
            self.uri = uri
            self.status = status
        }

        var testDescription: String { "\(name): GET \(uri) as \(role?.rawValue ?? "nobody")" }
    }

    static let pages: [Page] = [
        Page("support", .supportEngineer, "/support"),
        Page("logistics", .logistics, "/logistics"),
        Page("accounts", .accountManager, "/accounts"),
        Page("customer", .accountManager, "/customers/ACME"),
        Page("unit", .supportEngineer, "/units/ACME-1"),
        Page("unit-replacement", .logistics, "/units/SPARE-US-1"),
        Page("case", .supportEngineer, "/cases/CS-2026-000001"),
        Page("case-read-only", .accountManager, "/cases/CS-2026-000002"),
        Page("case-new", .supportEngineer, "/cases/new?serial=ACME-1&customer=ACME"),
        Page("rma", .logistics, "/rmas/RMA-2026-000001"),
        Page("label", .logistics, "/rmas/RMA-2026-000001/label?direction=return"),
        Page("cases", .supportEngineer, "/cases?sort=due&status=unresolved"),
        Page("rmas", .logistics, "/rmas?state=open"),
        Page("units", .logistics, "/units?customer=globex"),
        Page("customers", .accountManager, "/customers"),
        Page("search", .supportEngineer, "/search?q=spare"),
        Page("search-nothing", .supportEngineer, "/search?q=nothing-like-it", .notFound),
        Page("reports", .accountManager, "/reports"),
        Page("report", .accountManager, "/reports/escalations"),
        Page("sign-in", nil, "/sign-in?next=%2Funits%2FACME-1"),
        Page("error", .accountManager, "/units/NOPE-1", .notFound),
        Page("not-found", .logistics, "/shipments/today", .notFound),
        Page("not-found-signed-out", nil, "/shipments/today", .notFound),
    ]

    @Test("each page's HTML is its snapshot", arguments: pages)
    func page(_ page: Page) async throws {
        let server = try TestServer()
        try await server.run { client in
            try await Self.fill(client, server)
            var browser = TestBrowser()
            if let role = page.role { browser = try await TestBrowser.signIn(client, as: role) }
            let response = try await browser.get(client, page.uri)
            #expect(response.status == page.status)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let html = Self.normalised(String(buffer: response.body), browser: browser)
            assertSnapshot(of: html, as: .lines, named: page.name, testName: "page")
        }
    }

    /// The page with what differs from run to run replaced by fixed text: the session's CSRF token (a random value per
    /// session) and the sign-in form's token (a random value per form). Everything else is fixed by the fleet and
    /// the server's clock.
    static func normalised(_ html: String, browser: TestBrowser) -> String {
        var html = html
        if !browser.csrf.isEmpty { html = html.replacingOccurrences(of: browser.csrf, with: "CSRF-TOKEN") }
        if let token = TestBrowser.value(of: "token", in: html) {
            html = html.replacingOccurrences(of: "name=\"token\" value=\"\(token)\"", with: "name=\"token\" value=\"SIGN-IN-TOKEN\"")
        }
        return html
    }

    /// The fleet of `TestDepot.withFleet()` with work on it, at `TestServer.now`, through the JSON API: a hardware
    /// fault on ACME-1 with an attachment and a wait on the customer, diagnosed defective, its replacement allocated
    /// and shipped; a fault on GLOBEX-1 not yet answered; a question from Initech. Texts hold characters that must be
    /// escaped.
    static func fill(_ client: any TestClientProtocol, _ server: TestServer) async throws {
        func call(_ uri: String, _ role: Role, _ body: String, status: HTTPResponse.Status = .ok) async throws {
            let response = try await client.execute(uri: uri, method: .post, headers: server.auth(role), body: ByteBuffer(string: body))
            #expect(response.status == status, "POST \(uri): \(String(buffer: response.body))")
        }
        try await call(
            "/api/v1/cases", .supportEngineer,
            #"""
            {"customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1", "impact": "high",
             "urgency": "medium", "title": "Fans loud <b>at night</b>", "description": "Since the update to \"5.1\" & after.",
             "softwareVersion": "5.1"}
            """#, status: .created)
        let upload = try await client.execute(
            uri: "/api/v1/cases/CS-2026-000001/attachments?name=fan%20noise.txt&secure=true", method: .post,
            headers: [.authorization: "Bearer \(server.tokens[.supportEngineer] ?? "")", .contentType: "text/plain"],
            body: ByteBuffer(string: "whirr\n"))
        #expect(upload.status == .created)
        try await call("/api/v1/cases/CS-2026-000001/wait", .supportEngineer, #"{"reason": "a <recording> of the noise"}"#)
        try await call("/api/v1/cases/CS-2026-000001/resume", .supportEngineer, "{}")
        try await call(
            "/api/v1/diagnoses", .supportEngineer,
            #"{"serial": "ACME-1", "case": "CS-2026-000001", "verdict": "defective", "note": "fan bearing worn"}"#, status: .created)
        try await call("/api/v1/rmas/RMA-2026-000001/allocate", .logistics, "{}")
        try await call("/api/v1/rmas/RMA-2026-000001/ship", .logistics, #"{"carrier": "UPS", "tracking": "1Z999"}"#)
        try await call(
            "/api/v1/cases", .supportEngineer,
            #"""
            {"customer": "GLOBEX", "contact": "it@globex.example", "type": "hardware-fault", "serial": "GLOBEX-1", "impact": "medium",
             "urgency": "medium", "title": "Disk errors"}
            """#, status: .created)
        try await call(
            "/api/v1/cases", .supportEngineer,
            #"""
            {"customer": "INITECH", "contact": "it@initech.example", "type": "question", "impact": "low", "urgency": "low",
             "title": "Licence 'terms'?"}
            """#, status: .created)
    }
}
