import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import DepotNotify

/// Background work when several servers share one database: each notification sent once by whichever worker claims
/// it, a dead worker's claims passed on after their lease, a round of scheduled work run by one server per interval.
@Suite("Background work of several servers", .serialized)
struct SharedWorkTests {
    /// A fleet with an endpoint for logistics at `port` and `count` notifications due at the test clock's now.
    static func queued(_ count: Int, port: Int) throws -> TestDepot {
        let depot = try TestDepot.withFleet()
        _ = try depot.database.addEndpoint(
            target: .logistics, url: "http://127.0.0.1:\(port)/hook", secret: DeliveryTests.secret, customer: nil, format: .json,
            at: depot.clock.now, actor: TestDepot.admin)
        for _ in 0..<count {
            _ = try depot.database.queueTestNotification(target: .logistics, customer: nil, at: depot.clock.now, actor: TestDepot.admin)
        }
        return depot
    }

    @Test("two servers' workers on one outbox: every notification is sent once, by one of them, and recorded once")
    func twoWorkers() async throws {
        // Slow answers for some, so that the two workers' claims interleave.
        let receiver = Receiver((0..<12).map { _ in (.ok, [:], .milliseconds(40)) })
        try await Application(router: receiver.router()).test(.live) { client in
            let depot = try Self.queued(40, port: try #require(client.port))
            let other = try depot.reopen()
            let first = WebhookDeliverer(database: depot.database, clock: depot.clock)
            let second = WebhookDeliverer(database: other, clock: depot.clock)
            #expect(first.worker != second.worker)
            var delivered = 0
            for _ in 0..<10 where delivered < 40 {
                async let a = first.deliverDue(limit: 7)
                async let b = second.deliverDue(limit: 7)
                let (ra, rb) = try await (a, b)
                #expect(ra.retrying + ra.dead + rb.retrying + rb.dead == 0)
                delivered += ra.delivered + rb.delivered
            }
            let keys = receiver.all.map(\.key)
            #expect(delivered == 40 && keys.count == 40 && Set(keys).count == 40)
            let queue = try depot.database.notifications()
            #expect(queue.count == 40 && queue.allSatisfy { $0.state == "delivered" && $0.attempts == 1 })
            // No claim is left behind.
            #expect(
                try depot.outside { db in try db.value(Int.self, "SELECT count(*) FROM notification WHERE lease_token IS NOT NULL") } == 0)
        }
    }

    @Test("a worker that died holding claims: no one sends them until the lease runs out, then another worker does, once")
    func deadWorkersClaims() async throws {
        let receiver = Receiver()
        try await Application(router: receiver.router()).test(.live) { client in
            let depot = try Self.queued(3, port: try #require(client.port))
            var policy = DeliveryPolicy()
            policy.timeout = 5
            let survivor = WebhookDeliverer(database: depot.database, policy: policy, clock: depot.clock)
            // The dead worker claimed two of three, with a lease as long as the survivor's (15 s).
            let held = try depot.database.claimNotifications(
                now: depot.clock.now, limit: 2, worker: "dead-server:1:0", until: depot.clock.now.adding(seconds: survivor.leaseSeconds))
            #expect(held.count == 2 && survivor.leaseSeconds == 15)
            #expect(try await survivor.deliverDue() == DeliveryReport(delivered: 1))
            depot.clock.advance(seconds: 14)
            #expect(try await survivor.deliverDue() == DeliveryReport())
            // The dead worker's late answer for one of them, after its lease passed to another, records nothing.
            depot.clock.advance(seconds: 1)
            #expect(try await survivor.deliverDue() == DeliveryReport(delivered: 2))
            try depot.database.markFailed(
                held[0].id, error: "late", retryAt: depot.clock.now, giveUpAt: depot.clock.now.adding(seconds: 60),
                worker: "dead-server:1:0")
            let keys = receiver.all.map(\.key)
            #expect(keys.count == 3 && Set(keys).count == 3)
            #expect(try depot.database.notifications().allSatisfy { $0.state == "delivered" && $0.attempts == 1 && $0.lastError == nil })
        }
    }

    @Test("a round of scheduled work runs on one server per interval: of two claims at once one wins; the next comes an interval later")
    func oneRoundPerInterval() throws {
        let depot = try TestDepot.withFleet()
        let other = try depot.reopen()
        let start = depot.clock.now
        let claims = ConcurrentCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let database = i % 2 == 0 ? depot.database : other
            if (try? database.claimBackgroundRound("escalations", at: start, interval: 60, server: "server-\(i)")) == true { claims.add() }
        }
        #expect(claims.value == 1)
        #expect(try !depot.database.claimBackgroundRound("escalations", at: start.adding(seconds: 30), interval: 60, server: "b"))
        // Another kind of work is claimed on its own.
        #expect(try depot.database.claimBackgroundRound("retention", at: start.adding(seconds: 30), interval: 86_400, server: "b"))
        // A timer a little early (within a tenth of the interval) still runs its round.
        #expect(try other.claimBackgroundRound("escalations", at: start.adding(seconds: 55), interval: 60, server: "b"))
        try other.finishBackgroundRound("escalations", at: start.adding(seconds: 56), server: "b")
        let runs = try depot.database.backgroundRuns()
        #expect(runs.map(\.name) == ["escalations", "retention"])
        #expect(runs[0].server == "b" && runs[0].startedAt == start.adding(seconds: 55) && runs[0].finishedAt == start.adding(seconds: 56))
        #expect(runs[1].finishedAt == nil)
        // A round left unfinished by a process of this host that no longer runs (killed mid-round) is taken over at
        // once; one of another host, or of a process that runs, waits for its interval as before.
        let host = ProcessInfo.processInfo.hostName
        for (owner, takenOver) in [("\(host):2147483646", true), ("\(host):\(getppid())", false), ("elsewhere:2147483646", false)] {
            #expect(try depot.database.claimBackgroundRound("backups", at: start, interval: 86_400, server: owner))
            #expect(
                try depot.database.claimBackgroundRound("backups", at: start.adding(seconds: 60), interval: 86_400, server: "b")
                    == takenOver,
                "\(owner)")
            try depot.database.finishBackgroundRound("backups", at: start.adding(seconds: 61), server: "b")
            _ = try depot.outside { db in try db.execute("DELETE FROM background_run WHERE name = 'backups'", []) }
        }
    }

    @Test("two servers' escalation services at the same moment: the due escalation fires once, one round runs")
    func escalationOnce() async throws {
        let depot = try TestDepot.withFleet(now: Instant(iso: "2026-11-02T15:00:00Z")!)
        let other = try depot.reopen()
        let number = try depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Unit does not boot"),
            at: depot.clock.now, actor: TestDepot.engineer)
        depot.clock.advance(seconds: 3 * 86_400)
        let logs = CollectedLogs()
        var logger = Logger(label: "test") { _ in CollectingLogHandler(logs: logs) }
        logger.logLevel = .trace
        let one = ScheduledWork.escalations(depot.database, clock: depot.clock, logger: logger)
        let two = ScheduledWork.escalations(other, clock: depot.clock, logger: logger)
        async let a: Void = one.runOnce()
        async let b: Void = two.runOnce()
        _ = await (a, b)
        let fired = try depot.database.caseDetail(number, now: depot.clock.now).escalations.filter(\.fired)
        #expect(!fired.isEmpty)
        let audit = try depot.database.auditEntries(entity: "case", key: number.text, user: nil, limit: 50).filter {
            $0.action == "escalate"
        }
        #expect(audit.count == fired.count)
        let runs = try depot.database.backgroundRuns()
        #expect(runs.count == 1 && runs[0].name == "escalations" && runs[0].finishedAt != nil)
        // One service ran the round (and logged what it fired); the other found the interval's round taken.
        #expect(logs.all.filter { $0.contains("escalations done") }.count == 1)
        #expect(logs.all.filter { $0.contains("round ran elsewhere") }.count == 1)
    }
}

/// A counter several threads add to.
final class ConcurrentCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
