import DepotCore
import Logging
import ServiceLifecycle

/// One kind of background work run every `interval` as a swift-service-lifecycle `Service`: a round at start, then
/// one after each wait. A round that fails is logged and the next one comes as planned; a graceful shutdown (SIGTERM
/// in a `ServiceGroup`) ends the wait at once and cancels the round in progress: a round's database transactions
/// are atomic and run to their end on the thread pool, and a round that talks to the network (webhook delivery)
/// stops its requests and starts no new ones, so that no round holds the process for minutes after the signal.
public struct ScheduledWork: Service {
    /// What one round did, as log metadata; `nil` or empty when it did nothing worth an info line.
    public typealias Round = @Sendable (_ now: Instant) async throws(DepotError) -> Logger.Metadata?

    public let name: String
    public let interval: Duration
    let clock: any DepotClock
    let logger: Logger
    let round: Round

    public init(name: String, every interval: Duration, clock: any DepotClock, logger: Logger, round: @escaping Round) {
        self.name = name
        self.interval = interval
        self.clock = clock
        var logger = logger
        logger[metadataKey: "service"] = .string(name)
        self.logger = logger
        self.round = round
    }

    public func run() async throws {
        logger.debug("started", metadata: ["every": "\(interval)"])
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await runOnce()
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
            } catch {
                break  // cancelled or shutting down
            }
        }
        logger.debug("stopped")
    }

    /// One round now, its outcome logged.
    public func runOnce() async {
        let (round, now) = (round, clock.now)
        do {
            let done = try await cancelWhenGracefulShutdown { () async throws -> Logger.Metadata? in try await round(now) }
            if let done, !done.isEmpty {
                logger.info("\(name) done", metadata: done)
            } else {
                logger.trace("\(name): nothing to do")
            }
        } catch let error as DepotError {
            logger.error("\(name) failed", metadata: ["error": "\(error.message)"])
        } catch {
            logger.info("\(name) stopped mid-round", metadata: ["reason": "shutting down"])
        }
    }
}

extension ScheduledWork {
    /// The account background work acts as in the audit trail.
    public static let actor = ActingUser(user: "depot-serve", role: .admin)

    /// Fires every escalation due (SPEC 3.4), every minute by default.
    public static func escalations(
        _ database: DepotDatabase, every interval: Duration = .seconds(60), clock: any DepotClock, logger: Logger
    ) -> ScheduledWork {
        ScheduledWork(name: "escalations", every: interval, clock: clock, logger: logger) { now throws(DepotError) in
            let fired = try await database.offload { database throws(DepotError) in try database.escalate(at: now, actor: actor) }
            return fired.isEmpty ? nil : ["fired": "\(fired.count)"]
        }
    }

    /// Announces every return that is overdue (once per deadline), every minute by default.
    public static func overdueReturns(
        _ database: DepotDatabase, every interval: Duration = .seconds(60), clock: any DepotClock, logger: Logger
    ) -> ScheduledWork {
        ScheduledWork(name: "overdue-returns", every: interval, clock: clock, logger: logger) { now throws(DepotError) in
            let overdue = try await database.offload { database throws(DepotError) in
                try database.notifyOverdueReturns(at: now, actor: actor)
            }
            return overdue.isEmpty ? nil : ["announced": "\(overdue.count)"]
        }
    }

    /// Applies the retention rules (SPEC 7), daily by default.
    public static func retention(
        _ database: DepotDatabase, every interval: Duration = .seconds(86_400), clock: any DepotClock, logger: Logger
    ) -> ScheduledWork {
        ScheduledWork(name: "retention", every: interval, clock: clock, logger: logger) { now throws(DepotError) in
            let report = try await database.offload { database throws(DepotError) in try database.applyRetention(at: now, actor: actor) }
            guard report != RetentionReport() else { return nil }
            return [
                "closedCases": "\(report.closedCases)", "secureExpired": "\(report.secureExpired)",
                "filesRemoved": "\(report.filesRemoved)",
            ]
        }
    }
}
