import DepotCore
import Foundation
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
    /// The database whose `background_run` row decides which server runs each round, for work that must run on one
    /// server per interval; `nil` for work every server does for itself (each claims its own notifications).
    let oncePerInterval: DepotDatabase?

    /// This process's name in `background_run`.
    public static let server = "\(ProcessInfo.processInfo.hostName):\(getpid())"

    public init(
        name: String, every interval: Duration, clock: any DepotClock, logger: Logger, oncePerInterval: DepotDatabase? = nil,
        round: @escaping Round
    ) {
        self.name = name
        self.interval = interval
        self.oncePerInterval = oncePerInterval
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

    /// One round now, its outcome logged; none when the work runs once per interval and another server (or this one)
    /// already started this interval's round.
    public func runOnce() async {
        let (round, now, name) = (round, clock.now, name)
        do {
            if let database = oncePerInterval {
                let seconds = interval.components.seconds
                let claimed = try await database.offload { database throws(DepotError) in
                    try database.claimBackgroundRound(name, at: now, interval: seconds, server: Self.server)
                }
                guard claimed else {
                    logger.trace("\(name): this interval's round ran elsewhere")
                    return
                }
            }
            let done = try await cancelWhenGracefulShutdown { () async throws -> Logger.Metadata? in try await round(now) }
            if let done, !done.isEmpty {
                logger.info("\(name) done", metadata: done)
            } else {
                logger.trace("\(name): nothing to do")
            }
            if let database = oncePerInterval {
                let finished = clock.now
                try await database.offload { database throws(DepotError) in
                    try database.finishBackgroundRound(name, at: finished, server: Self.server)
                }
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
        ScheduledWork(name: "escalations", every: interval, clock: clock, logger: logger, oncePerInterval: database) {
            now throws(DepotError) in
            let fired = try await database.offload { database throws(DepotError) in try database.escalate(at: now, actor: actor) }
            return fired.isEmpty ? nil : ["fired": "\(fired.count)"]
        }
    }

    /// Announces every return that is overdue (once per deadline), every minute by default.
    public static func overdueReturns(
        _ database: DepotDatabase, every interval: Duration = .seconds(60), clock: any DepotClock, logger: Logger
    ) -> ScheduledWork {
        ScheduledWork(name: "overdue-returns", every: interval, clock: clock, logger: logger, oncePerInterval: database) {
            now throws(DepotError) in
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
        ScheduledWork(name: "retention", every: interval, clock: clock, logger: logger, oncePerInterval: database) {
            now throws(DepotError) in
            let report = try await database.offload { database throws(DepotError) in try database.applyRetention(at: now, actor: actor) }
            guard report != RetentionReport() else { return nil }
            return [
                "closedCases": "\(report.closedCases)", "secureExpired": "\(report.secureExpired)",
                "filesRemoved": "\(report.filesRemoved)", "answersForgotten": "\(report.answersForgotten)",
            ]
        }
    }
}
