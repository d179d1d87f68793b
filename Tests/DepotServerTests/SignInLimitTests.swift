import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// Counts password checks (each a bcrypt hash on the server).
final class HashCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}

/// Holds password checks until opened.
final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var opened = false
    private var waiting = 0
    var isOpen: Bool { lock.withLock { opened } }
    var waiters: Int { lock.withLock { waiting } }
    func open() { lock.withLock { opened = true } }
    /// Blocks the calling thread until the gate opens.
    func pass() {
        lock.withLock { waiting += 1 }
        while !isOpen { usleep(5_000) }
    }
}

/// Issue 19's sign-in protection: failures limited per account and per address, decided before any hash.
@Suite("Sign-in limits")
struct SignInLimitTests {
    /// A server whose clock is the depot's and whose password checks are counted (a decoy check costs nothing here).
    static func server(_ depot: TestDepot, _ hashes: HashCount) throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration()
        configuration.verifyPassword = { password, hash in
            hashes.add()
            return hash == Credentials.decoyHash ? false : Credentials.verify(password, hash: hash)
        }
        return try buildApplication(database: depot.database, configuration: configuration, now: { depot.clock.now })
    }

    /// One try of the sign-in form, as a browser sends it.
    static func signIn(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> TestResponse {
        let form = try await client.execute(uri: "/sign-in", method: .get)
        let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
        let cookie = try #require(form.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
        return try await client.execute(
            uri: "/sign-in", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)&name=\(name)&password=\(password)"))
    }

    @Test("the sixth wrong password is 429 without a hash; the right one waits too, then signs in after the window; audited")
    func sixthWrongPassword() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)  // the users user-ROLE, password "pw"
        let hashes = HashCount()
        try await Self.server(depot, hashes).test(.router) { client in
            for attempt in 1...5 {
                let response = try await Self.signIn(client, attempt == 3 ? "USER-admin" : "user-admin", "wrong\(attempt)")
                // The fifth failure starts the wait, and says so.
                #expect(response.status == (attempt < 5 ? .unauthorized : .tooManyRequests), "attempt \(attempt)")
            }
            #expect(hashes.value == 5)
            let sixth = try await Self.signIn(client, "User-Admin ", "wrong6")
            #expect(sixth.status == .tooManyRequests && hashes.value == 5, "refused before hashing, whatever the name's case")
            let seconds = try #require(Int(sixth.headers[.retryAfter] ?? ""))
            #expect(seconds > 0 && seconds <= 900 && String(buffer: sixth.body).contains("Too many failed sign-ins"))
            #expect(try await Self.signIn(client, "user-admin", "pw").status == .tooManyRequests && hashes.value == 5)
            // Another account is not held up by this one's failures.
            #expect(try await Self.signIn(client, "user-logistics", "pw").status == .seeOther)
            depot.clock.advance(seconds: Int64(seconds))
            #expect(try await Self.signIn(client, "user-admin", "pw").status == .seeOther)
        }
        let entries = try depot.database.auditEntries(entity: "user", key: nil, user: nil, limit: 100)
        let actions = entries.map(\.action)
        #expect(actions.filter { $0 == "sign-in-failed" }.count == 5 && actions.filter { $0 == "sign-in-locked" }.count == 1)
        #expect(actions.filter { $0 == "sign-in" }.count == 2)
        // A failure keeps the name as typed beside the account it counts against.
        let typed = entries.filter { $0.action == "sign-in-failed" }.compactMap { entry in
            (try? JSONSerialization.jsonObject(with: Data(entry.details.utf8)) as? [String: String])?["typed"]
        }
        #expect(typed.sorted() == ["USER-admin", "user-admin", "user-admin", "user-admin", "user-admin"])
        #expect(entries.filter { $0.action == "sign-in-failed" }.allSatisfy { $0.key == "user-admin" })
    }

    @Test("twenty failures from one address hold every account there, a signed-in one's failures included")
    func perAddress() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        let hashes = HashCount()
        try await Self.server(depot, hashes).test(.router) { client in
            for attempt in 1...4 {
                let response = try await Self.signIn(client, attempt == 3 ? "USER-admin" : "user-admin", "wrong\(attempt)")
                #expect(response.status == .unauthorized)
            }
            #expect(try await Self.signIn(client, "user-admin", "pw").status == .seeOther)
            // Sixteen more names, one failure each: the twentieth failure from this address starts its wait.
            for n in 0..<16 {
                let response = try await Self.signIn(client, "nobody\(n)", "guess")
                #expect(response.status == (n < 15 ? .unauthorized : .tooManyRequests))
            }
            #expect(try await Self.signIn(client, "user-logistics", "pw").status == .tooManyRequests)
            #expect(hashes.value == 21)
        }
    }

    @Test("thirty wrong passwords sent at once: at most five are checked, the lock is audited once, the right one waits")
    func concurrentFailures() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        let hashes = HashCount()
        try await Self.server(depot, hashes).test(.router) { client in
            // Thirty forms first, then thirty posts at once (the last with the right password).
            var forms: [(token: String, cookie: String)] = []
            for _ in 0..<30 {
                let form = try await client.execute(uri: "/sign-in", method: .get)
                let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
                let cookie = try #require(form.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
                forms.append((token, cookie))
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (n, form) in forms.enumerated() {
                    let password = n == 29 ? "pw" : "wrong\(n)"
                    group.addTask {
                        try await client.execute(
                            uri: "/sign-in", method: .post,
                            headers: [.cookie: form.cookie, .contentType: "application/x-www-form-urlencoded"],
                            body: ByteBuffer(string: "token=\(form.token)&name=user-admin&password=\(password)")
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(hashes.value <= 5, "\(hashes.value) passwords checked")
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 25)
            #expect(statuses.filter { $0 == .seeOther }.count <= 1)
        }
        let actions = try depot.database.auditEntries(entity: "user", key: nil, user: nil, limit: 100).map(\.action)
        #expect(actions.filter { $0 == "sign-in-failed" }.count <= 5 && actions.filter { $0 == "sign-in-locked" }.count <= 1)
        let failures = try depot.outside { db in try db.value(Int.self, "SELECT count(*) FROM sign_in_failure") }
        #expect(failures == actions.filter { $0 == "sign-in-failed" }.count, "every try left is a failure that was checked")
    }

    @Test("the sign-in form's token is the server's: a made-up one, another installation's or one over an hour old is refused")
    func formToken() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        let hashes = HashCount()
        try await Self.server(depot, hashes).test(.router) { client in
            func post(_ token: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/sign-in", method: .post,
                    headers: [.cookie: "depot_signin=\(token)", .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "token=\(token)&name=user-admin&password=pw")
                ).status
            }
            // Double submit alone would take any value the client put in both places.
            #expect(try await post("made-up") == .forbidden)
            let other = SignInFormTokens(key: .init(size: .bits256)).issue(now: depot.clock.now)
            #expect(try await post(other) == .forbidden)
            let form = try await client.execute(uri: "/sign-in", method: .get)
            let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
            // Tampered with: a later expiry under the same MAC.
            let parts = token.split(separator: ".").map(String.init)
            #expect(try await post("\(parts[0]).\(Int64(parts[1])! + 60).\(parts[2])") == .forbidden)
            #expect(hashes.value == 0, "refused before any password check")
            depot.clock.advance(seconds: 3601)
            #expect(try await post(token) == .forbidden)
            let fresh = try await client.execute(uri: "/sign-in", method: .get)
            #expect(try await post(try #require(TestBrowser.value(of: "token", in: String(buffer: fresh.body)))) == .seeOther)
        }
    }

    @Test("a sign-in always starts a new session id and ends the browser's previous session")
    func newSession() async throws {
        let server = try TestServer()
        try await server.run { client in
            let first = try await TestBrowser.signIn(client, as: .admin)
            #expect(try await first.get(client, "/support").status == .ok)
            let form = try await client.execute(uri: "/sign-in", method: .get, headers: [.cookie: first.cookie])
            let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
            let signInCookie = try #require(form.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
            let again = try await client.execute(
                uri: "/sign-in", method: .post,
                headers: [.cookie: "\(first.cookie); \(signInCookie)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(token)&name=user-admin&password=pw"))
            #expect(again.status == .seeOther)
            let second = try #require(
                again.headers[values: .setCookie].first { $0.hasPrefix("depot_session=") }?.split(separator: ";").first.map(String.init))
            #expect(second != first.cookie)
            #expect(try await first.get(client, "/support").status != .ok, "the first session ended")
            let now = try await client.execute(uri: "/support", method: .get, headers: [.cookie: second])
            #expect(now.status == .ok)
        }
    }

    @Test("password checks run a bounded number at once: one more is 503 with Retry-After at once, not queued")
    func boundedChecks() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        let gate = Gate()
        var configuration = ServerConfiguration()
        configuration.passwordCheckLimit = 1
        configuration.verifyPassword = { password, hash in
            gate.pass()
            return Credentials.verify(password, hash: hash)
        }
        let app = try buildApplication(database: depot.database, configuration: configuration, now: { depot.clock.now })
        try await app.test(.router) { client in
            let first = Task { try await Self.signIn(client, "user-admin", "pw").status }
            while gate.waiters == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let second = try await Self.signIn(client, "user-logistics", "pw")
            #expect(second.status == .serviceUnavailable && second.headers[.retryAfter] == "1")
            #expect(String(buffer: second.body).contains("busy checking passwords"))
            gate.open()
            #expect(try await first.value == .seeOther)
            #expect(try await Self.signIn(client, "user-logistics", "pw").status == .seeOther)
        }
    }
}
