import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import DepotNotify

/// A webhook receiver on loopback: answers each request with the next scripted status (then 200), records what
/// it got, and acts once per Idempotency-Key.
final class Receiver: @unchecked Sendable {
    struct Received: Sendable {
        let key: String
        let timestamp: String
        let signature: String
        let body: Data
    }

    private let lock = NSLock()
    private var script: [(status: HTTPResponse.Status, headers: HTTPFields, delay: Duration)]
    private(set) var received: [Received] = []
    private(set) var actedOn: Set<String> = []
    private var released = false
    private var answeredCount = 0

    init(_ script: [(HTTPResponse.Status, HTTPFields, Duration)] = []) {
        self.script = script.map { (status: $0.0, headers: $0.1, delay: $0.2) }
    }

    var all: [Received] { lock.withLock { received } }
    var acted: Set<String> { lock.withLock { actedOn } }
    /// How many requests have had their answer (a delayed one counts once its delay is over).
    var answered: Int { lock.withLock { answeredCount } }

    /// Ends every delay now: the requests still held are answered.
    func release() { lock.withLock { released = true } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let next = self.lock.withLock { () -> (status: HTTPResponse.Status, headers: HTTPFields, delay: Duration) in
                let item = Received(
                    key: request.headers[.init("Idempotency-Key")!] ?? "", timestamp: request.headers[.init("X-Depot-Timestamp")!] ?? "",
                    signature: request.headers[.init("X-Depot-Signature")!] ?? "", body: Data(buffer: body))
                self.received.append(item)
                let step =
                    self.script.isEmpty
                    ? (status: HTTPResponse.Status.ok, headers: HTTPFields(), delay: Duration.zero) : self.script.removeFirst()
                if step.status == .ok { self.actedOn.insert(item.key) }
                return step
            }
            let until = ContinuousClock.now + next.delay
            while ContinuousClock.now < until, !self.lock.withLock({ self.released }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            self.lock.withLock { self.answeredCount += 1 }
            return Response(status: next.status, headers: next.headers)
        }
        return router
    }
}

@Suite("Webhook delivery", .serialized)
struct DeliveryTests {
    static let secret = "whsec_delivery_test_secret"

    /// A fleet with one notification queued for logistics, an endpoint at the receiver's port, and a deliverer.
    static func setUp(port: Int, policy: DeliveryPolicy = DeliveryPolicy()) throws -> (TestDepot, WebhookDeliverer, Int64) {
        let depot = try TestDepot.withFleet()
        _ = try depot.database.addEndpoint(
            target: .logistics, url: "http://127.0.0.1:\(port)/hook", secret: secret, customer: nil, format: .json,
            at: Instant(Date()), actor: TestDepot.admin)
        let id = try depot.database.queueTestNotification(target: .logistics, customer: "ACME", at: Instant(Date()), actor: TestDepot.admin)
        return (depot, WebhookDeliverer(database: depot.database, policy: policy), id)
    }

    static func state(_ depot: TestDepot, _ id: Int64) throws -> QueuedNotification {
        try #require(try depot.database.notifications().first { $0.id == id })
    }

    @Test("delivered with a valid signature over timestamp.body and the notification's Idempotency-Key")
    func signed() async throws {
        let receiver = Receiver()
        try await Application(router: receiver.router()).test(.live) { client in
            let (depot, deliverer, id) = try Self.setUp(port: try #require(client.port))
            #expect(try await deliverer.deliverDue() == DeliveryReport(delivered: 1))
            let got = try #require(receiver.all.first)
            let notification = try Self.state(depot, id)
            #expect(notification.state == "delivered" && notification.attempts == 1)
            #expect(got.key == notification.idempotencyKey)
            #expect(
                got.signature == WebhookSignature.sign(secret: Self.secret, timestamp: try #require(Int64(got.timestamp)), body: got.body))
            #expect(String(decoding: got.body, as: UTF8.self) == notification.payload)
            // Nothing is due any more: no second request.
            #expect(try await deliverer.deliverDue() == DeliveryReport())
            #expect(receiver.all.count == 1)
        }
    }

    @Test("500 then 200: retried after a backoff and delivered once; 429 with Retry-After waits that long")
    func retries() async throws {
        let receiver = Receiver([(.internalServerError, [:], .zero), (.tooManyRequests, [.init("Retry-After")!: "120"], .zero)])
        try await Application(router: receiver.router()).test(.live) { client in
            var policy = DeliveryPolicy()
            policy.baseDelay = 10
            let (depot, deliverer, id) = try Self.setUp(port: try #require(client.port), policy: policy)
            let before = Instant(Date())
            #expect(try await deliverer.deliverDue() == DeliveryReport(retrying: 1))
            let after = Instant(Date())
            var n = try Self.state(depot, id)
            #expect(n.state == "pending" && n.lastError == "HTTP 500" && n.attempts == 1)
            // Between half and all of 10 s after the attempt (the jitter), which ran between `before` and `after`.
            let next = n.nextAttemptAt.secondsSinceEpoch
            #expect(next >= before.secondsSinceEpoch + 5 && next <= after.secondsSinceEpoch + 11, "\(next - before.secondsSinceEpoch)")
            let firstRetry = n.nextAttemptAt
            let later = WebhookDeliverer(database: depot.database, policy: policy, clock: TestClock(firstRetry))
            #expect(try await later.deliverDue() == DeliveryReport(retrying: 1))
            n = try Self.state(depot, id)
            #expect(n.lastError == "HTTP 429" && n.nextAttemptAt.secondsSinceEpoch - before.secondsSinceEpoch >= 120)
            let atRetry = n.nextAttemptAt
            #expect(
                try await WebhookDeliverer(database: depot.database, policy: policy, clock: TestClock(atRetry)).deliverDue()
                    == DeliveryReport(delivered: 1))
            #expect(receiver.all.count == 3 && Set(receiver.all.map(\.key)).count == 1 && receiver.acted.count == 1)
        }
    }

    /// A loopback port nothing listens on (yet).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a receiver that is down for a while, then back on its port: everything arrives, once per key")
    func downThenBack() async throws {
        let port = Self.freePort()
        let (depot, deliverer, _) = try Self.setUp(port: port)
        for _ in 0..<4 {
            _ = try depot.database.queueTestNotification(target: .logistics, customer: nil, at: Instant(Date()), actor: TestDepot.admin)
        }
        #expect(try await deliverer.deliverDue() == DeliveryReport(retrying: 5))
        let receiver = Receiver()
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let server = Task { try await app.run() }
        defer { server.cancel() }
        // Wait until it listens, then deliver as the retries fall due (an hour later, by the deliverer's clock).
        for _ in 0..<100 where try await Self.listening(port) == false { try await Task.sleep(for: .milliseconds(50)) }
        let later = Instant(secondsSinceEpoch: Instant(Date()).secondsSinceEpoch + 3600)
        let back = WebhookDeliverer(database: depot.database, clock: TestClock(later))
        #expect(try await back.deliverDue() == DeliveryReport(delivered: 5))
        #expect(try await back.deliverDue() == DeliveryReport())
        #expect(receiver.all.count == 5 && receiver.acted.count == 5)
        #expect(try depot.database.notifications(state: "delivered").count == 5)
    }

    static func listening(_ port: Int) async throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    @Test("a receiver that is down: retried with backoff; past the give-up time it is dead; `depot notify retry` makes it due again")
    func receiverDown() async throws {
        let port = Self.freePort()
        var policy = DeliveryPolicy()
        policy.giveUpAfter = 3600
        let (depot, deliverer, id) = try Self.setUp(port: port, policy: policy)
        #expect(try await deliverer.deliverDue() == DeliveryReport(retrying: 1))
        #expect(try Self.state(depot, id).lastError?.hasPrefix("request failed") == true)
        // Two hours later the give-up time has passed: the next failure makes it dead.
        let late = Instant(secondsSinceEpoch: Instant(Date()).secondsSinceEpoch + 7200)
        #expect(
            try await WebhookDeliverer(database: depot.database, policy: policy, clock: TestClock(late)).deliverDue()
                == DeliveryReport(dead: 1))
        #expect(try Self.state(depot, id).state == "dead")
        try depot.database.retryNotification(id, at: Instant(Date()), actor: TestDepot.admin)
        #expect(try Self.state(depot, id).state == "pending")
    }

    @Test("a receiver that hangs: the timeout fires and the others are delivered meanwhile; 4xx is not retried")
    func hangingReceiver() async throws {
        // The receiver holds the first request for 60 s (until released); the deliverer gives up after 1 s.
        let receiver = Receiver([(.ok, [:], .seconds(60))])
        try await Application(router: receiver.router()).test(.live) { client in
            var policy = DeliveryPolicy()
            policy.timeout = 1
            let (depot, deliverer, first) = try Self.setUp(port: try #require(client.port), policy: policy)
            let second = try depot.database.queueTestNotification(
                target: .logistics, customer: nil, at: Instant(Date()), actor: TestDepot.admin)
            let clock = ContinuousClock.now
            let report = try await deliverer.deliverDue()
            #expect(ContinuousClock.now - clock < .seconds(30))
            #expect(receiver.answered == 1)
            receiver.release()
            #expect(report == DeliveryReport(delivered: 1, retrying: 1))
            // The receiver hangs on whichever request reaches it first (they go out together): that one timed out.
            let states = [try Self.state(depot, first), try Self.state(depot, second)]
            #expect(states.filter { $0.state == "delivered" }.count == 1)
            #expect(states.filter { $0.state == "pending" }.map(\.lastError) == ["request failed: timed out"])
        }
        let refusing = Receiver([(.unauthorized, [:], .zero)])
        try await Application(router: refusing.router()).test(.live) { client in
            let (depot, deliverer, id) = try Self.setUp(port: try #require(client.port))
            #expect(try await deliverer.deliverDue() == DeliveryReport(dead: 1))
            #expect(try Self.state(depot, id).lastError == "HTTP 401 (not retried)")
        }
    }
}

/// Log lines kept in memory, to search them.
final class CollectedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    func add(_ line: String) { lock.withLock { lines.append(line) } }
}

struct CollectingLogHandler: LogHandler {
    let logs: CollectedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logs.add("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}

@Suite("Webhook delivery: secrets")
struct DeliverySecretTests {
    @Test("the delivery service delivers and logs at trace level without ever writing the secret; the queue listing holds none")
    func noSecretInLogs() async throws {
        let receiver = Receiver([(.internalServerError, [:], .zero)])
        let logs = CollectedLogs()
        try await Application(router: receiver.router()).test(.live) { client in
            let (depot, deliverer, _) = try DeliveryTests.setUp(port: try #require(client.port))
            var logger = Logger(label: "test") { _ in CollectingLogHandler(logs: logs) }
            logger.logLevel = .trace
            await ScheduledWork.delivery(deliverer, clock: depot.clock, logger: logger).runOnce()
            #expect(!receiver.all.isEmpty)
            #expect(logs.all.contains { $0.contains("retrying") })
            #expect(!logs.all.contains { $0.contains(DeliveryTests.secret) })
            let listed = String(decoding: try JSONEncoder().encode(try depot.database.notifications()), as: UTF8.self)
            let endpoints = String(decoding: try JSONEncoder().encode(try depot.database.endpoints()), as: UTF8.self)
            #expect(!listed.contains(DeliveryTests.secret) && !endpoints.contains(DeliveryTests.secret))
        }
    }
}

@Suite("Background work as services")
struct BackgroundWorkTests {
    @Test("the escalation and delivery services fire a due escalation by themselves and deliver it to the TAM's endpoint")
    func escalationWithoutCron() async throws {
        let receiver = Receiver()
        try await Application(router: receiver.router()).test(.live) { client in
            let opened = Instant(iso: "2026-11-02T15:00:00Z")!
            let depot = try TestDepot.withFleet(now: opened)
            let port = try #require(client.port)
            _ = try depot.database.addEndpoint(
                target: .tam, url: "http://127.0.0.1:\(port)/hook", secret: DeliveryTests.secret, customer: "ACME",
                format: .json, at: opened, actor: TestDepot.admin)
            // A premium-plus case: its TAM rule (one business day) falls due the next day, and nobody runs `depot escalate`.
            let number = try depot.database.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                    title: "Unit does not boot"),
                at: opened, actor: TestDepot.engineer)
            let logger = Logger(label: "test")
            let group = ServiceGroup(
                services: [
                    ScheduledWork.escalations(depot.database, clock: depot.clock, logger: logger),
                    ScheduledWork.delivery(
                        WebhookDeliverer(database: depot.database, clock: depot.clock), clock: depot.clock, logger: logger),
                ], logger: logger)
            let running = Task { try await group.run() }
            // Both have run their first round and wait: nothing is due yet. (Up to 30 s of the machine's time: on
            // PostgreSQL, beside the rest of the suite, a round's few transactions took more than the 5 s this allowed.)
            for _ in 0..<3000 where depot.clock.waiting < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(depot.clock.waiting == 2 && receiver.all.isEmpty)
            #expect(try depot.database.caseDetail(number, now: opened).escalations.filter(\.fired).isEmpty)
            // Two days later by the services' clock (not the machine's): the escalation fires, then is delivered.
            depot.clock.advance(seconds: 2 * 86_400)
            for _ in 0..<3000 where receiver.all.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
                if depot.clock.waiting == 2 { depot.clock.advance(seconds: 5) }
            }
            await group.triggerGracefulShutdown()
            try await running.value
            let got = try #require(receiver.all.first)
            let event = try #require(try JSONSerialization.jsonObject(with: got.body) as? [String: String])
            #expect(event["event"] == "escalation" && event["case"] == number.text && event["target"] == "tam" && event["rule"] == "tam")
            #expect(got.key == "escalation:\(number):tam@tam")
            #expect(try depot.database.caseDetail(number, now: depot.clock.now).escalations.filter(\.fired).map(\.target).contains(.tam))
        }
    }

    @Test("a shutdown while deliveries hang: the service stops at once, starts no more, and counts no attempt")
    func shutdownMidDelivery() async throws {
        // The receiver holds every request for 60 s (until released): the service must stop while they still hang,
        // so no answer can have come back. (A bound in seconds of the machine's time failed on a loaded CI machine.)
        let receiver = Receiver((0..<8).map { _ in (.ok, [:], .seconds(60)) })
        try await Application(router: receiver.router()).test(.live) { client in
            var policy = DeliveryPolicy()
            policy.timeout = 120
            let (depot, deliverer, _) = try DeliveryTests.setUp(port: try #require(client.port), policy: policy)
            for _ in 0..<7 {
                _ = try depot.database.queueTestNotification(target: .logistics, customer: nil, at: Instant(Date()), actor: TestDepot.admin)
            }
            let logger = Logger(label: "test")
            let group = ServiceGroup(services: [ScheduledWork.delivery(deliverer, clock: depot.clock, logger: logger)], logger: logger)
            let running = Task { try await group.run() }
            for _ in 0..<3000 where receiver.all.count < policy.concurrency { try await Task.sleep(for: .milliseconds(10)) }
            #expect(receiver.all.count == policy.concurrency)
            let signalled = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(receiver.answered == 0)
            #expect(ContinuousClock.now - signalled < .seconds(30))
            receiver.release()
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.all.count == policy.concurrency)
            // Stopped requests are not failed attempts: all 8 stay due, as they were.
            let queued = try depot.database.notifications()
            #expect(queued.count == 8 && queued.allSatisfy { $0.state == "pending" && $0.attempts == 0 && $0.lastError == nil })
        }
    }

    @Test("a graceful shutdown ends a service's wait at once; cancelling ends it too")
    func stopsCleanly() async throws {
        let depot = try TestDepot.withFleet()
        let logger = Logger(label: "test")
        let work = ScheduledWork.retention(depot.database, clock: depot.clock, logger: logger)
        let group = ServiceGroup(services: [work], logger: logger)
        let running = Task { try await group.run() }
        for _ in 0..<3000 where depot.clock.waiting < 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(depot.clock.waiting == 1)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(depot.clock.waiting == 0)

        let alone = Task { try await work.run() }
        for _ in 0..<3000 where depot.clock.waiting < 1 { try await Task.sleep(for: .milliseconds(10)) }
        alone.cancel()
        try await alone.value
        #expect(depot.clock.waiting == 0)
    }
}
