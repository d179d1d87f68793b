/// Who a notification goes to: each target has its webhook endpoints (and a customer may have its own).
public enum NotificationTarget: String, CaseIterable, Sendable, Codable {
    case leadership, tam
    case accountManager = "account-manager"
    case logistics
}

/// The events Depot notifies about, as the policy's `notifications` section names them.
public enum NotifiedEvent: String, CaseIterable, Sendable, Codable {
    /// An escalation rule for support leadership fired.
    case escalationLeadership = "escalation-leadership"
    /// An escalation rule for the customer's TAM fired.
    case escalationTAM = "escalation-tam"
    /// A diagnosis ended in a sales referral.
    case salesReferral = "sales-referral"
    /// A diagnosis approved a replacement (advance or return-then-replace).
    case rmaApproved = "rma-approved"
    /// A defective unit was not received by its return-due deadline.
    case returnOverdue = "return-overdue"
    /// A replacement left the depot (with carrier and tracking number).
    case replacementShipped = "replacement-shipped"

    /// The event an escalation rule for `target` raises.
    public static func escalation(_ target: EscalationTarget) -> NotifiedEvent {
        switch target {
        case .leadership: .escalationLeadership
        case .tam: .escalationTAM
        }
    }
}

/// Which events notify which targets (SPEC.md and issue 6's defaults; the policy's `notifications` section
/// changes them). An event routed to no target is not queued at all; one routed to several is queued once
/// per target, each with its own idempotency key.
public struct NotificationRoutes: Sendable, Equatable {
    private var targets: [NotifiedEvent: [NotificationTarget]]

    /// The defaults: escalations to the rule's own target, a sales referral to the account manager, an
    /// approved RMA, an overdue return and a shipped replacement to logistics.
    public static let defaults = NotificationRoutes(targets: [
        .escalationLeadership: [.leadership], .escalationTAM: [.tam], .salesReferral: [.accountManager],
        .rmaApproved: [.logistics], .returnOverdue: [.logistics], .replacementShipped: [.logistics],
    ])

    public init(targets: [NotifiedEvent: [NotificationTarget]]) {
        self.targets = targets
    }

    /// The targets of an event, in the policy's order, without repeats.
    public func targets(of event: NotifiedEvent) -> [NotificationTarget] {
        targets[event] ?? []
    }

    /// Routes `event` to `targets` (an empty list silences it).
    public mutating func route(_ event: NotifiedEvent, to targets: [NotificationTarget]) {
        var seen = Set<NotificationTarget>()
        self.targets[event] = targets.filter { seen.insert($0).inserted }
    }
}
