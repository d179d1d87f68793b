import DepotCore
import DepotReports
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Web UI")
struct WebTests {
    @Test(
        "pages need a session: sign-in redirect with the way back, 401 for a wrong password, 403 without the form's token, sign-out ends it"
    )
    func signIn() async throws {
        let server = try TestServer()
        try await server.run { client in
            let anonymous = try await client.execute(uri: "/cases/CS-2026-000001", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/sign-in?next=%2Fcases%2FCS%2D2026%2D000001")
            let wrong = try await TestBrowser.signIn(client, as: .logistics, password: "nope")
            #expect(wrong.cookie.isEmpty)
            // The sign-in form's cookie and token must match.
            let forged = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=abc&name=user-logistics&password=pw"))
            #expect(forged.status == .forbidden)
            let form = try await client.execute(uri: "/sign-in", method: .get)
            let cookie = String(form.headers[values: .setCookie].first?.split(separator: ";").first ?? "")
            let token = TestBrowser.value(of: "token", in: String(buffer: form.body)) ?? ""
            let bad = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(token)&name=user-logistics&password=wrong"))
            #expect(bad.status == .unauthorized && String(buffer: bad.body).contains("Unknown user name or wrong password."))

            let browser = try await TestBrowser.signIn(client, as: .logistics)
            #expect(browser.cookie.hasPrefix("depot_session=") && !browser.csrf.isEmpty)
            let home = try await browser.get(client, "/")
            #expect(home.status == .seeOther && home.headers[.location] == "/logistics")
            let page = try await browser.get(client, "/logistics")
            #expect(page.status == .ok && page.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'; script-src 'self';") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("object-src 'none'; base-uri 'none'") == true)
            // The stored session is only the hash of the cookie's value.
            let value = String(browser.cookie.dropFirst("depot_session=".count))
            #expect(
                try server.depot.database.session(idHash: Credentials.hashToken(value), now: TestServer.now)?.user.name == "user-logistics")
            #expect(try server.depot.database.session(idHash: value, now: TestServer.now) == nil)
            let out = try await browser.post(client, "/sign-out", [:])
            #expect(out.status == .seeOther)
            let after = try await browser.get(client, "/logistics")
            #expect(after.status == .seeOther)
        }
    }

    /// Signs in through the form with `next` and returns where the server sends the browser.
    static func redirect(_ client: any TestClientProtocol, after next: String) async throws -> String? {
        let form = try await client.execute(uri: "/sign-in", method: .get)
        let cookie = String(form.headers[values: .setCookie].first?.split(separator: ";").first ?? "")
        let token = TestBrowser.value(of: "token", in: String(buffer: form.body)) ?? ""
        let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let response = try await client.execute(
            uri: "/sign-in", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)&name=user-logistics&password=pw&next=\(encoded)"))
        return response.status == .seeOther ? response.headers[.location] : "status \(response.status.code)"
    }

    @Test("the case page flags a version outside the support policy with the policy's reason, and only then")
    func unsupportedVersionOnThePage() async throws {
        let server = try TestServer()
        try server.depot.importAll([(.releases, "version,released_on\n4.0,2023-01-10\n6.0,2026-03-01\n6.1,2026-06-01\n6.2,2026-09-01\n")])
        func open(_ version: String) throws -> CaseNumber {
            try server.depot.database.openCase(
                NewCase(
                    customer: "ACME", contact: "ops@acme.example", type: .question, impact: .low, urgency: .low, title: "On \(version)",
                    softwareVersion: version), at: TestServer.now, actor: TestDepot.engineer)
        }
        let (old, current) = (try open("4.0"), try open("6.2"))
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            let flagged = String(buffer: try await browser.get(client, "/cases/\(old)").body)
            #expect(flagged.contains("id=\"unsupported-version\">unsupported version</strong>"))
            #expect(flagged.contains("4.0 is not among the 3 newest release lines"))
            let fine = String(buffer: try await browser.get(client, "/cases/\(current)").body)
            #expect(!fine.contains("unsupported-version"))
        }
    }

    @Test("after sign-in only a path of this site is followed: no tab, line break, backslash or second slash leads elsewhere")
    func noOpenRedirect() async throws {
        let server = try TestServer()
        try await server.run { client in
            let kept = try await Self.redirect(client, after: "/units/ACME-1?tab=rmas")
            #expect(kept == "/units/ACME-1?tab=rmas")
            // The form's fields are trimmed: what is left is a path of this site (an escaped & stays escaped; an escaped tab does not pass).
            #expect(try await Self.redirect(client, after: " /x ") == "/x")
            #expect(try await Self.redirect(client, after: "/rmas?state=open%26x\t") == "/rmas?state=open%26x")
            for hostile in [
                "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\n/evil.example", "/\r\n/evil.example",
                "https://evil.example/", "evil.example", "/ /evil.example", "/\u{7F}/evil.example", "/x\\y",
                // Percent-encoded, once or twice: a browser may decode what a filter of the raw text lets through.
                "/%09/evil.example", "/%2509/evil.example", "/%5Cevil.example", "/%2F/evil.example", "/%252F%252Fevil.example",
            ] {
                let location = try await Self.redirect(client, after: hostile)
                #expect(location == "/logistics", "\(hostile.debugDescription)")
            }
        }
    }

    @Test("the session cookie is HttpOnly and SameSite=Strict; a form without the session's CSRF token is 403 and changes nothing")
    func csrf() async throws {
        let server = try TestServer()
        try await server.run { client in
            let form = try await client.execute(uri: "/sign-in", method: .get)
            let token = TestBrowser.value(of: "token", in: String(buffer: form.body)) ?? ""
            let cookie = String(form.headers[values: .setCookie].first?.split(separator: ";").first ?? "")
            let response = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(token)&name=user-support-engineer&password=pw"))
            let session = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("depot_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))

            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            let fields = [
                "customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Forged",
            ]
            let missing = try await browser.post(client, "/cases", fields, csrf: "")
            #expect(missing.status == .forbidden && String(buffer: missing.body).contains("security token"))
            let other = try await browser.post(client, "/cases", fields, csrf: Credentials.newToken())
            #expect(other.status == .forbidden)
            // The token is derived from the session's id, never stored: another session's token is refused, and the
            // database holds nothing to post with (only the id's hash).
            let second = try await TestBrowser.signIn(client, as: .supportEngineer)
            #expect(second.csrf != browser.csrf && second.csrf.count == 64)
            #expect(try await browser.post(client, "/cases", fields, csrf: second.csrf).status == .forbidden)
            let columns = try server.depot.outside { db in
                try db.values(
                    String.self,
                    TestBackend.isPostgres
                        ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'web_session' AND table_schema = current_schema()"
                        : "SELECT name FROM pragma_table_info('web_session')")
            }
            #expect(Set(columns) == ["id_hash", "user_id", "created_at", "expires_at"])
            #expect(try server.depot.database.cases(CaseFilter(), now: TestServer.now).isEmpty)
            let real = try await browser.post(client, "/cases", fields)
            #expect(real.status == .seeOther && real.headers[.location] == "/cases/CS-2026-000001")
        }
    }

    @Test(
        "a whole advance replacement through the pages, with 400, 403, 404 and 409 shown as pages; the audit log names the signed-in users")
    func wholeRMA() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let bad = try await engineer.post(
                client, "/cases",
                [
                    "customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault",
                    "impact": "high", "urgency": "medium",
                ])
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("field &quot;title&quot; is required"))
            let opened = try await engineer.post(
                client, "/cases",
                [
                    "customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault",
                    "serial": "ACME-1", "impact": "high", "urgency": "medium", "title": "Fans loud",
                ])
            #expect(opened.headers[.location] == "/cases/CS-2026-000001")
            let casePage = String(buffer: try await engineer.get(client, "/cases/CS-2026-000001").body)
            #expect(casePage.contains("id=\"diagnosis-form\"") && casePage.contains("Fans loud"))
            #expect(casePage.contains("business time left") || casePage.contains(" left<"))

            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            let forbidden = try await accounts.post(
                client, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "x"])
            #expect(forbidden.status == .forbidden)
            #expect(!String(buffer: try await accounts.get(client, "/cases/CS-2026-000001").body).contains("id=\"diagnosis-form\""))

            let diagnosed = try await engineer.post(
                client, "/cases/CS-2026-000001/diagnosis", ["serial": "ACME-1", "verdict": "defective", "note": "PSU dead"])
            #expect(diagnosed.status == .seeOther && diagnosed.headers[.location] == "/rmas/RMA-2026-000001")

            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let queue = String(buffer: try await logistics.get(client, "/logistics").body)
            #expect(queue.contains("RMA-2026-000001") && queue.contains("class=\"step-allocate\""))
            let rmaPage = String(buffer: try await logistics.get(client, "/rmas/RMA-2026-000001").body)
            // Only the steps allowed next: allocate and cancel, not ship or receive.
            #expect(rmaPage.contains("class=\"step-allocate\"") && rmaPage.contains("class=\"step-cancel danger\""))
            #expect(!rmaPage.contains("class=\"step-ship\"") && !rmaPage.contains("class=\"step-receive\""))
            #expect(rmaPage.contains("<li class=\"current\">approved</li>"))
            let early = try await logistics.post(client, "/rmas/RMA-2026-000001/receive", [:])
            #expect(early.status == .conflict && String(buffer: early.body).contains("allowed next: allocate, cancel"))
            #expect(
                try await logistics.post(client, "/rmas/RMA-2026-000001/allocate", ["back": "/logistics"]).headers[.location]
                    == "/logistics#rma-RMA-2026-000001")
            let noTracking = try await logistics.post(client, "/rmas/RMA-2026-000001/ship", ["carrier": "UPS"])
            #expect(noTracking.status == .badRequest && String(buffer: noTracking.body).contains("tracking"))
            #expect(
                try await logistics.post(client, "/rmas/RMA-2026-000001/ship", ["carrier": "UPS", "tracking": "1Z999"]).status == .seeOther)
            #expect(try await logistics.post(client, "/rmas/RMA-2026-000001/teleport", [:]).status == .notFound)
            #expect(try await logistics.get(client, "/rmas/RMA-2026-999999").status == .notFound)

            let unit = String(buffer: try await accounts.get(client, "/units/SPARE-US-1").body)
            #expect(unit.contains("<a href=\"/units/ACME-1\" id=\"replaces\">ACME-1</a>"))
            #expect(unit.contains("premium-plus until 2026-12-31"))
            let old = String(buffer: try await accounts.get(client, "/units/acme-1").body)
            #expect(old.contains("<a href=\"/units/SPARE-US-1\" id=\"replaced-by\">SPARE-US-1</a>"))
            // SPEC.md 1: the warranty end is the first day out; the page names the last day covered.
            #expect(old.contains("covered through 2027-02-28") && old.contains("out of warranty from 2027-03-01"))
            let search = try await accounts.get(client, "/search?q=%20spare-us-1%20")
            #expect(search.headers[.location] == "/units/SPARE-US-1")
            #expect(try await accounts.get(client, "/search?q=NOTHING-9").status == .notFound)

            let users = try server.depot.database.auditEntries(entity: "rma").map(\.user)
            #expect(users.contains("user-logistics") && users.contains("user-support-engineer"))
        }
    }

    @Test(
        "waiting on the customer through the case page: the wait form needs a reason (400 without), the page shows the wait and held deadlines, resume"
    )
    func waitOnCustomer() async throws {
        let server = try TestServer()
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            let fields = [
                "customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Logs?",
            ]
            #expect(try await browser.post(client, "/cases", fields).headers[.location] == "/cases/CS-2026-000001")
            let page = String(buffer: try await browser.get(client, "/cases/CS-2026-000001").body)
            #expect(
                page.contains(#"action="/cases/CS-2026-000001/wait""#) && page.contains("Wait on customer") && !page.contains(#"/resume""#))
            let empty = try await browser.post(client, "/cases/CS-2026-000001/wait", ["note": " "])
            #expect(empty.status == .badRequest && String(buffer: empty.body).contains("reason"))
            let waited = try await browser.post(client, "/cases/CS-2026-000001/wait", ["note": "<b>syslog</b> from the customer"])
            #expect(waited.status == .seeOther)
            let waiting = String(buffer: try await browser.get(client, "/cases/CS-2026-000001").body)
            #expect(waiting.contains("Waiting on the customer") && waiting.contains("held while waiting on the customer"))
            #expect(waiting.contains("&lt;b&gt;syslog&lt;/b&gt; from the customer") && !waiting.contains("<b>syslog"))
            #expect(waiting.contains(#"action="/cases/CS-2026-000001/resume""#))
            #expect(try await browser.post(client, "/cases/CS-2026-000001/resume", [:]).status == .seeOther)
            let detail = try server.depot.database.caseDetail("CS-2026-000001", now: TestServer.now)
            #expect(detail.status == .open && detail.pauses.count == 1 && detail.pauses.first?.end != nil)
        }
    }

    @Test("templates escape what users wrote: a customer named <script>alert(1)</script> shows as text everywhere")
    func escaping() async throws {
        let hostile = "<script>alert(1)</script>"
        let depot = try TestDepot.empty()
        let files = Fleet.files.map { entity, text in
            (entity, entity == .customers ? text.replacingOccurrences(of: "Acme Corp", with: hostile) : text)
        }
        try depot.importAll(files)
        let server = try TestServer(depot: depot)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            _ = try await engineer.post(
                client, "/cases",
                [
                    "customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low",
                    "urgency": "low", "title": "\"><img src=x onerror=alert(2)>", "description": hostile,
                ])
            for page in ["/customers/ACME", "/cases/CS-2026-000001", "/support"] {
                let html = String(buffer: try await engineer.get(client, page).body)
                #expect(!html.contains("<script>alert(1)") && !html.contains("<img src=x"), "\(page) renders user text unescaped")
            }
            let customer = String(buffer: try await engineer.get(client, "/customers/ACME").body)
            #expect(customer.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let casePage = String(buffer: try await engineer.get(client, "/cases/CS-2026-000001").body)
            #expect(casePage.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        }
    }

    @Test("an address that is no page is a 404 page with the navigation and the search box; the API's unknown addresses its JSON 404")
    func notFoundPage() async throws {
        let server = try TestServer()
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .logistics)
            for uri in ["/nonsense", "/shipments", "/cases/CS-2026-000001/diagnosis", "/rmas/RMA-2026-000001/label/extra"] {
                let response = try await browser.get(client, uri)
                let html = String(buffer: response.body)
                // A form's address (POST only) is 405 with the same page.
                let status: HTTPResponse.Status = uri.hasSuffix("/diagnosis") ? .methodNotAllowed : .notFound
                #expect(response.status == status && response.headers[.contentType] == "text/html; charset=utf-8", "GET \(uri)")
                #expect((response.headers[.allow] == "POST") == (status == .methodNotAllowed), "GET \(uri)")
                #expect(
                    html.contains("<title>Page not found · Depot</title>") && html.contains("There is no page at \(uri)."), "GET \(uri)")
                #expect(html.contains("<nav>") && html.contains(#"action="/search""#) && html.contains("user-logistics"), "GET \(uri)")
            }
            let posted = try await browser.post(client, "/nonsense", [:])
            #expect(posted.status == .notFound && String(buffer: posted.body).contains("There is no page at /nonsense."))
            let hostile = try await browser.get(client, "/%3Cscript%3Ealert(1)%3C/script%3E")
            #expect(hostile.status == .notFound && !String(buffer: hostile.body).contains("<script>"))

            let anonymous = try await client.execute(uri: "/nonsense", method: .get)
            let page = String(buffer: anonymous.body)
            #expect(anonymous.status == .notFound && page.contains(#"<a href="/sign-in">Sign in</a>"#) && !page.contains("<nav>"))

            for uri in ["/api/v1/nonsense", "/api/nonsense", "/api"] {
                let api = try await client.execute(uri: uri, method: .get, headers: server.auth(.logistics))
                let error = try json(api)["error"] as? [String: Any]
                #expect(api.status == .notFound && api.headers[.contentType]?.hasPrefix("application/json") == true, "GET \(uri)")
                #expect(error?["code"] as? String == "not-found" && !String(buffer: api.body).contains("<"), "GET \(uri)")
            }
        }
    }

    @Test("report pages show the rows and a Download CSV link that serves the same bytes as `depot report`, streamed in chunks")
    func reportPages() async throws {
        let depot = try TestDepot.empty()
        var fleet = DemoFleet(appliances: 3000, base: TestServer.now, seed: 7)
        _ = try fleet.fill(depot.database, actor: TestDepot.admin, folder: depot.folder.path)
        let server = try TestServer(depot: depot)
        try await server.run { client in
            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            let page = String(buffer: try await accounts.get(client, "/reports/warranty-expiry?within-days=3660").body)
            #expect(
                page.contains("id=\"download-csv\" href=\"/reports/warranty-expiry.csv?within-days=3660\"")
                    || page.contains("href=\"/reports/warranty-expiry.csv?within-days=3660\" id=\"download-csv\""))
            let download = try await accounts.get(client, "/reports/warranty-expiry.csv?within-days=3660")
            #expect(download.status == .ok && download.headers[.contentDisposition] == "attachment; filename=\"warranty-expiry.csv\"")

            let path = depot.folder.path + "/expected.csv"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            try depot.database.write(
                ReportCatalog.named("warranty-expiry"),
                parameters: ReportParameters.today(at: TestServer.now, policy: depot.database.policy, withinDays: 3660),
                to: CSVWriter(descriptor: fd, path: path))
            close(fd)
            let expected = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(expected.count > 2 * 65_536, "the report should take several chunks (\(expected.count) bytes)")
            #expect(Data(buffer: download.body) == expected)
            let rows = expected.split(separator: 0x0A).count - 1
            #expect(page.contains("Showing 1–500 of \(rows) rows; the CSV has them all."))

            let bad = try await accounts.get(client, "/reports/warranty-expiry?since=2026-01-01")
            #expect(
                bad.status == .badRequest
                    && String(buffer: bad.body).contains("since: the warranty-expiry report does not take it"))
            #expect(try await accounts.get(client, "/reports/nonsense").status == .notFound)
            let chart = String(buffer: try await accounts.get(client, "/accounts").body)
            #expect(chart.contains("<svg") && chart.contains("<rect"))
        }
    }
}

@Suite("JSON API: customers")
struct CustomerAPITests {
    @Test("GET /api/v1/customers pages by key with the active tier; /customers/{key} has sites, contracts, contacts; 401, 404, 400")
    func customers() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(uri: "/api/v1/customers?limit=2", method: .get, headers: server.auth(.logistics)) { response in
                let body = try json(response)
                let items = body["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["key"] as? String } == ["ACME", "GLOBEX"] && body["next"] as? Int == 2)
                #expect(items.first?["tier"] as? String == "premium-plus")
            }
            try await client.execute(uri: "/api/v1/customers/NOCON", method: .get, headers: server.auth(.accountManager)) { response in
                let body = try json(response)
                #expect(
                    response.status == .ok && body["tier"] is NSNull && (body["sites"] as? [Any])?.count == 1 && body["units"] as? Int == 1)
            }
            try await client.execute(uri: "/api/v1/customers/ACME", method: .get, headers: server.auth(.accountManager)) { response in
                let body = try json(response)
                #expect((body["contacts"] as? [[String: Any]])?.map { $0["email"] as? String } == ["dev@acme.example", "ops@acme.example"])
                #expect((body["contracts"] as? [[String: Any]])?.first?["active"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/customers/NOPE", method: .get, headers: server.auth(.accountManager)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/customers", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/customers?offset=-1", method: .get, headers: server.auth(.admin)) {
                #expect($0.status == .badRequest)
            }
        }
    }
}
