/// Who is told when a case stays unresolved too long.
public enum EscalationTarget: String, CaseIterable, Sendable, Codable {
    /// Support leadership.
    case leadership
    /// The customer's technical account manager.
    case tam
}

/// The response and escalation thresholds of the policy, by priority and tier.
public struct SLATable: Sendable, Equatable {
    /// Time to first response, by priority and tier; a missing entry means no response SLA.
    public var response: [Priority: [Tier: ClockDuration]]
    /// Time from opening until a target is notified, by target, priority and tier; a missing entry
    /// means that target is not notified for that priority and tier.
    public var escalation: [EscalationTarget: [Priority: [Tier: ClockDuration]]]

    /// Creates a table.
    public init(response: [Priority: [Tier: ClockDuration]], escalation: [EscalationTarget: [Priority: [Tier: ClockDuration]]]) {
        self.response = response
        self.escalation = escalation
    }
}

/// One escalation deadline of a case.
public struct EscalationDeadline: Sendable, Equatable {
    /// Who is notified.
    public let target: EscalationTarget
    /// When.
    public let at: Instant
    /// The threshold it came from (`1 business-day`).
    public let threshold: ClockDuration

    /// Creates a deadline.
    public init(target: EscalationTarget, at: Instant, threshold: ClockDuration) {
        self.target = target
        self.at = at
        self.threshold = threshold
    }
}

/// The deadlines of a case opened at an instant.
public struct SLADeadlines: Sendable, Equatable {
    /// When the first response is due; `nil` when the customer has no active contract.
    public let response: Instant?
    /// The response threshold, when there is one.
    public let responseThreshold: ClockDuration?
    /// Escalation deadlines, sorted by time (then target).
    public let escalations: [EscalationDeadline]
}

extension SLATable {
    /// The deadlines of a case of `type`: none for a type that promises no timeframe (`CaseRules.promisesTimeframe`),
    /// else those of its priority and tier.
    /// With `wallClock` (a case opened after hours with the customer's PIN: SPEC.md 8) every threshold counts in
    /// wall-clock time.
    public func deadlines(
        type: CaseType, tier: Tier?, priority: Priority, opened: Instant, clock: BusinessClock, wallClock: Bool = false
    ) throws(DepotError) -> SLADeadlines {
        guard CaseRules.promisesTimeframe(type) else { return SLADeadlines(response: nil, responseThreshold: nil, escalations: []) }
        return try deadlines(tier: tier, priority: priority, opened: opened, clock: clock, wallClock: wallClock)
    }

    /// The deadlines of a case of `priority` opened at `opened`, for a customer whose active contract
    /// has `tier` (`nil`: no active contract, so no response SLA; escalations as for standard); with `wallClock`, every
    /// threshold in wall-clock time.
    public func deadlines(tier: Tier?, priority: Priority, opened: Instant, clock: BusinessClock, wallClock: Bool = false)
        throws(DepotError) -> SLADeadlines
    {
        func counted(_ threshold: ClockDuration) -> ClockDuration { wallClock ? threshold.inWallClock : threshold }
        var responseAt: Instant?
        var responseThreshold: ClockDuration?
        if let tier, let threshold = response[priority]?[tier].map(counted) {
            responseAt = try clock.adding(threshold, to: opened)
            responseThreshold = threshold
        }
        var escalations: [EscalationDeadline] = []
        for target in EscalationTarget.allCases {
            guard let threshold = escalation[target]?[priority]?[tier ?? .standard].map(counted) else { continue }
            escalations.append(EscalationDeadline(target: target, at: try clock.adding(threshold, to: opened), threshold: threshold))
        }
        escalations.sort { ($0.at, $0.target.rawValue) < ($1.at, $1.target.rawValue) }
        return SLADeadlines(response: responseAt, responseThreshold: responseThreshold, escalations: escalations)
    }
}
