import DepotCore
import DepotStore
import Foundation
import Logging

/// What `depot serve` does besides answering requests: delivers due notifications every few seconds and
/// checks escalations and overdue returns every minute and applies the retention rules daily, so none needs cron. Errors are logged and the loop goes on.
public struct BackgroundWork: Sendable {
    public var deliveryInterval: Duration = .seconds(5)
    public var escalationInterval: Duration = .seconds(60)
    public var retentionInterval: Duration = .seconds(86_400)
    let database: DepotDatabase
    let deliverer: WebhookDeliverer
    let logger: Logger

    public init(database: DepotDatabase, policy: DeliveryPolicy, logger: Logger) {
        self.database = database
        deliverer = WebhookDeliverer(database: database, policy: policy)
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let clock = ContinuousClock()
        var nextEscalation = clock.now
        var nextRetention = clock.now
        let actor = Actor(user: "depot-serve", role: .admin)
        while !Task.isCancelled {
            if clock.now >= nextEscalation {
                nextEscalation = clock.now + escalationInterval
                do {
                    let fired = try database.escalate(at: Instant(Date()), actor: actor)
                    if !fired.isEmpty { logger.info("escalations fired", metadata: ["count": "\(fired.count)"]) }
                } catch {
                    logger.error("escalation check failed", metadata: ["error": "\(error.message)"])
                }
                do {
                    let overdue = try database.notifyOverdueReturns(at: Instant(Date()), actor: actor)
                    if !overdue.isEmpty { logger.info("overdue returns announced", metadata: ["count": "\(overdue.count)"]) }
                } catch {
                    logger.error("overdue-return check failed", metadata: ["error": "\(error.message)"])
                }
            }
            if clock.now >= nextRetention {
                nextRetention = clock.now + retentionInterval
                do {
                    let report = try database.applyRetention(at: Instant(Date()), actor: actor)
                    if report != RetentionReport() {
                        logger.info(
                            "retention applied",
                            metadata: [
                                "closedCases": "\(report.closedCases)", "secureExpired": "\(report.secureExpired)",
                                "filesRemoved": "\(report.filesRemoved)",
                            ])
                    }
                } catch {
                    logger.error("retention run failed", metadata: ["error": "\(error.message)"])
                }
            }
            do {
                let report = try await deliverer.deliverDue()
                if report != DeliveryReport() {
                    logger.info(
                        "notifications",
                        metadata: [
                            "delivered": "\(report.delivered)", "retrying": "\(report.retrying)",
                            "dead": "\(report.dead)", "waiting": "\(report.waiting)",
                        ])
                }
            } catch {
                logger.error("notification delivery failed", metadata: ["error": "\(error.message)"])
            }
            try? await Task.sleep(for: deliveryInterval)
        }
    }
}
