import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Logging
import Testing

/// Counts calls, for a watcher running in a task.
private final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}

/// Issue 19: a new password ends the user's sessions, a new token the old one, removal both; every server hears of it.
@Suite("Changing who may sign in")
struct UserChangeTests {
    static let now = Instant(iso: "2026-12-06T12:00:00Z")!

    @Test("passwd ends the sessions, rotate-token the old token, remove both; admins only; audited")
    func changes() throws {
        let depot = try TestDepot.withFleet(now: Self.now)
        let db = depot.database
        try db.addUser(name: "alice", role: .supportEngineer, passwordHash: "p1", tokenHash: "t1", at: Self.now, actor: TestDepot.admin)
        try db.addUser(name: "bob", role: .logistics, passwordHash: "p2", tokenHash: "t2", at: Self.now, actor: TestDepot.admin)
        let alice = try #require(try db.user(named: "alice"))
        let bob = try #require(try db.user(named: "bob"))
        let later = Self.now.adding(seconds: 3600)
        try db.createSession(idHash: "s-alice", user: alice, at: Self.now, expiresAt: later)
        try db.createSession(idHash: "s-bob", user: bob, at: Self.now, expiresAt: later)
        #expect(throws: DepotError.self) { try db.changePassword("alice", passwordHash: "x", at: Self.now, actor: TestDepot.engineer) }
        try db.changePassword("alice", passwordHash: "p1-new", at: Self.now, actor: TestDepot.admin)
        #expect(try db.session(idHash: "s-alice", now: Self.now) == nil)
        #expect(try db.user(named: "alice")?.passwordHash == "p1-new")
        #expect(try db.session(idHash: "s-bob", now: Self.now) != nil, "another user's session stays")
        try db.rotateToken("alice", tokenHash: "t1-new", at: Self.now, actor: TestDepot.admin)
        #expect(try db.user(tokenHash: "t1") == nil)
        #expect(try db.user(tokenHash: "t1-new")?.name == "alice")
        #expect(throws: DepotError.notFound(kind: "user", key: "carol")) {
            try db.rotateToken("carol", tokenHash: "t", at: Self.now, actor: TestDepot.admin)
        }
        #expect(throws: DepotError.self) { try db.removeUser("ada", at: Self.now, actor: TestDepot.admin) }  // themselves
        try db.removeUser("bob", at: Self.now, actor: TestDepot.admin)
        #expect(try db.user(named: "bob") == nil)
        #expect(try db.user(tokenHash: "t2") == nil)
        #expect(try db.session(idHash: "s-bob", now: Self.now) == nil)
        let actions = try db.auditEntries(entity: "user", key: nil, user: nil, limit: 20).map { "\($0.action) \($0.key)" }
        #expect(Set(actions).isSuperset(of: ["passwd alice", "rotate-token alice", "remove bob"]))
    }

    @Test("a server hears of a change made by another process within a second or two")
    func watched() async throws {
        let depot = try TestDepot.withFleet(now: Self.now)
        try depot.database.addUser(
            name: "alice", role: .supportEngineer, passwordHash: "p", tokenHash: "t", at: Self.now, actor: TestDepot.admin)
        let calls = Calls()
        let watch = Task { await depot.database.watchCredentialChanges(logger: .init(label: "test")) { calls.add() } }
        defer { watch.cancel() }
        // PostgreSQL's LISTEN calls once when it connects (what was missed meanwhile): let that pass first.
        try await Task.sleep(for: .milliseconds(1500))
        let before = calls.value
        // A watcher that has not read its starting point yet (a busy thread pool) takes a change made meanwhile as that
        // point: change again until one is heard, which must happen within a few seconds of the first that counts.
        for attempt in 0..<8 where calls.value == before {
            try depot.database.rotateToken("alice", tokenHash: "t\(attempt)", at: Self.now, actor: TestDepot.admin)
            let deadline = ContinuousClock.now + .milliseconds(2500)
            while calls.value == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(calls.value > before)
    }
}
