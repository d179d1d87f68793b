/// The kind of a support case (SPEC.md 3).
public enum CaseType: String, CaseIterable, Sendable, Codable {
    case hardwareFault = "hardware-fault"
    case productDefect = "product-defect"
    case question
    case customDevelopment = "custom-development"
    case enhancement
}

/// The status of a support case (SPEC.md 3).
public enum CaseStatus: String, CaseIterable, Sendable, Codable {
    case open, responded
    case waitingOnCustomer = "waiting-on-customer"
    case workaround, resolved, closed

    /// Escalation clocks run until a case is resolved.
    public var isUnresolved: Bool { self != .resolved && self != .closed }
}

/// Whether a case met its response SLA.
public enum SLAState: String, CaseIterable, Sendable, Codable {
    /// Responded by the deadline.
    case met
    /// Responded late, or not responded and the deadline has passed.
    case breached
    /// Not responded and the deadline is still ahead.
    case pending

    /// The state of a response due at `due` (none: no SLA), responded at `responded`, seen at `now`.
    public static func of(due: Instant?, responded: Instant?, now: Instant) -> SLAState? {
        guard let due else { return nil }
        if let responded { return responded <= due ? .met : .breached }
        return now > due ? .breached : .pending
    }
}
