import DepotCore
import DepotStore
import Logging

extension ScheduledWork {
    /// Delivers due notifications to their endpoints, every 5 seconds by default. `onRound` sees each round's report
    /// (`depot notify deliver` prints it).
    public static func delivery(
        _ deliverer: WebhookDeliverer, every interval: Duration = .seconds(5), clock: any DepotClock, logger: Logger,
        onRound: @escaping @Sendable (DeliveryReport) -> Void = { _ in }
    ) -> ScheduledWork {
        ScheduledWork(name: "delivery", every: interval, clock: clock, logger: logger) { _ throws(DepotError) in
            let report = try await deliverer.deliverDue()
            onRound(report)
            guard report != DeliveryReport() else { return nil }
            return [
                "delivered": "\(report.delivered)", "retrying": "\(report.retrying)", "dead": "\(report.dead)",
                "waiting": "\(report.waiting)",
            ]
        }
    }
}
