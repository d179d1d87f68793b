/// Who a notification goes to: each target has its webhook endpoints (and a customer may have its own).
public enum NotificationTarget: String, CaseIterable, Sendable, Codable {
    case leadership, tam
    case accountManager = "account-manager"
    case logistics
    /// Professional services: custom-development requests are referred there (SPEC.md 3).
    case professionalServices = "professional-services"
    /// The engineer on call outside the regions' hours (SPEC.md 8).
    case onCall = "on-call"
    /// The vendor's channel to the customers' contacts (a mail gateway): the welcome letter, survey invitations.
    case contacts
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
    /// A custom-development request was recorded: professional services take it (SPEC.md 3).
    case customDevelopment = "custom-development"
    /// A contact became designated, or a designated contact changed: the handbook's welcome letter.
    case contactWelcome = "contact-welcome"
    /// A premium case was opened after hours with the customer's PIN: the on-call engineer is told at once.
    case afterHours = "after-hours"
    /// A customer's contact asked for an escalation: leadership is told at once.
    case customerEscalation = "customer-escalation"
    /// A closed case's contact is invited to the satisfaction survey (the one-time link).
    case surveyInvitation = "survey-invitation"
    /// A survey was answered with a low score (1 or 2): leadership follows up.
    case surveyLowScore = "survey-low-score"

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
    /// approved RMA, an overdue return and a shipped replacement to logistics; a custom-development request to
    /// professional services; an after-hours case to the on-call engineer; the welcome letter and survey invitations
    /// to the contacts' channel; a customer's escalation and a low survey score to leadership.
    public static let defaults = NotificationRoutes(targets: [
        .escalationLeadership: [.leadership], .escalationTAM: [.tam], .salesReferral: [.accountManager],
        .rmaApproved: [.logistics], .returnOverdue: [.logistics], .replacementShipped: [.logistics],
        .customDevelopment: [.professionalServices], .contactWelcome: [.contacts], .afterHours: [.onCall],
        .customerEscalation: [.leadership], .surveyInvitation: [.contacts], .surveyLowScore: [.leadership],
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
