import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A server on the test fleet with one user per role; `now` is fixed.
struct TestServer {
    let depot: TestDepot
    var tokens: [Role: String] = [:]
    static let now = Instant(iso: "2026-11-23T15:00:00Z")!

    init() throws { try self.init(depot: TestDepot.withFleet()) }

    /// A server on `depot`, with users `user-ROLE` (password `pw`) added to it.
    init(depot: TestDepot) throws {
        self.depot = depot
        for role in Role.allCases {
            let token = Credentials.newToken()
            try depot.database.addUser(
                name: "user-\(role.rawValue)", role: role, passwordHash: Credentials.hashPassword("pw", cost: 4),
                tokenHash: Credentials.hashToken(token), at: Self.now, actor: TestDepot.admin)
            tokens[role] = token
        }
    }

    func run(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try buildApplication(database: depot.database, configuration: ServerConfiguration(), now: { TestServer.now })
        // Every API answer a test receives is checked against the OpenAPI document.
        try await app.test(.router) { client in try await test(ContractCheckingClient(client: client)) }
    }

    /// A question opened by ops@acme.example (a JSON body of `POST /api/v1/cases`).
    static let questionCase =
        #"{"customer": "ACME", "contact": "ops@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Q"}"#

    func auth(_ role: Role) -> HTTPFields { [.authorization: "Bearer \(tokens[role] ?? "")", .contentType: "application/json"] }
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

func errorCode(_ response: TestResponse) throws -> String? {
    (try json(response)["error"] as? [String: Any])?["code"] as? String
}

/// A browser as far as the server can tell: it keeps the session cookie and reads the CSRF token from pages.
struct TestBrowser {
    var cookie = ""
    var csrf = ""

    /// Signs in as `user-ROLE` through the sign-in form.
    static func signIn(_ client: any TestClientProtocol, as role: Role, password: String = "pw") async throws -> TestBrowser {
        var browser = TestBrowser()
        let form = try await client.execute(uri: "/sign-in", method: .get)
        let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
        let signInCookie = try #require(form.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
        let response = try await client.execute(
            uri: "/sign-in", method: .post,
            headers: [.cookie: signInCookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)&name=user-\(role.rawValue)&password=\(password)"))
        guard response.status == .seeOther else { return browser }
        browser.cookie =
            response.headers[values: .setCookie].first { $0.hasPrefix("depot_session=") }?.split(separator: ";").first.map(String.init)
            ?? ""
        let page = try await client.execute(uri: "/support", method: .get, headers: [.cookie: browser.cookie])
        browser.csrf = TestBrowser.value(of: "csrf", in: String(buffer: page.body)) ?? ""
        return browser
    }

    /// The value of the first hidden input called `name` in a page.
    static func value(of name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
    }

    /// Follows a form's redirect as a browser does: to its `Location` (without the fragment), sending the cookies it
    /// set (the flash message) with the session's. The page and the cookies the page set in turn.
    func follow(_ client: any TestClientProtocol, _ redirect: TestResponse) async throws -> (page: String, setCookies: [String]) {
        let location = try #require(redirect.headers[.location])
        let path = String(location.prefix { $0 != "#" })
        let set = redirect.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }
        let response = try await client.execute(uri: path, method: .get, headers: [.cookie: ([cookie] + set).joined(separator: "; ")])
        return (String(buffer: response.body), response.headers[values: .setCookie])
    }

    /// Posts a form with the session's CSRF token (unless `csrf` says otherwise).
    func post(_ client: any TestClientProtocol, _ uri: String, _ fields: [String: String], csrf: String? = nil) async throws -> TestResponse
    {
        var all = fields
        all["csrf"] = csrf ?? self.csrf
        let body = all.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }
}
