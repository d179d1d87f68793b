import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Two servers on one PostgreSQL database, as behind a load balancer.
@Suite("Two servers on one database", .enabled(if: TestBackend.isPostgres))
struct TwoServerTests {
    /// A second server's application on the same database, through a handle of its own.
    static func application(_ database: DepotDatabase) throws -> some ApplicationProtocol {
        try buildApplication(
            database: database, configuration: ServerConfiguration(port: 0), logger: Logger(label: "test"), now: { TestServer.now })
    }

    @Test("a sign-out on one server ends the session on the other within a second, though it remembered the session")
    func signOutEverywhere() async throws {
        let server = try TestServer()
        let other = try server.depot.reopen()
        try await Self.application(server.depot.database).test(.live) { first in
            try await Self.application(other).test(.live) { second in
                let browser = try await TestBrowser.signIn(first, as: .supportEngineer)
                #expect(!browser.cookie.isEmpty)
                // The second server knows the session now (and remembers it for its cache's seconds).
                #expect(try await browser.get(second, "/support").status == .ok)
                // Give the second server's listener its connection before the change is announced.
                try await Task.sleep(for: .milliseconds(300))
                let signedOut = try await browser.post(first, "/sign-out", [:])
                #expect(signedOut.status == .seeOther)
                // When the first request that no longer gets the page was sent, after the sign-out's answer (a busy
                // machine makes each request itself slow; that is not the time the sign-out took to arrive).
                let start = ContinuousClock.now
                var refusedAfter: Duration?
                while refusedAfter == nil && ContinuousClock.now - start < .seconds(5) {
                    let asked = ContinuousClock.now
                    if try await browser.get(second, "/support").status != .ok { refusedAfter = asked - start }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(refusedAfter != nil, "the second server still serves the signed-out session")
                #expect((refusedAfter ?? .seconds(5)) < .seconds(1))
            }
        }
    }

    @Test("a listener is called when it connects (for what it missed) and when another handle commits a change")
    func listener() async throws {
        let depot = try TestDepot.withFleet()
        let heard = ConcurrentCount()
        let listening = Task { await depot.database.watchCredentialChanges(logger: Logger(label: "test")) { heard.add() } }
        // The first call comes when it connects.
        for _ in 0..<3000 where heard.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(heard.value == 1)
        try depot.reopen().deleteSession(idHash: "no-such-session")
        for _ in 0..<3000 where heard.value == 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(heard.value == 2)
        listening.cancel()
        await listening.value
    }
}

/// A count several tasks add to.
final class ConcurrentCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
