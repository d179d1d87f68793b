/// Where an appliance is in its life (SPEC.md 4).
public enum ApplianceStatus: String, CaseIterable, Sendable, Codable {
    /// A spare on a depot shelf.
    case inStock = "in-stock"
    /// A spare set aside for an RMA.
    case allocated
    /// A replacement on its way to a customer.
    case inTransit = "in-transit"
    /// Working at a customer site.
    case inService = "in-service"
    /// Reported faulty; diagnosis pending.
    case suspect
    /// Diagnosed defective.
    case defective
    /// A defective unit on its way back to the vendor.
    case returnInTransit = "return-in-transit"
    /// A defective unit received back.
    case returned
    /// Taken apart or disposed of.
    case scrapped
    /// Out of use at the customer by the customer's choice.
    case retired

    /// A unit counts as in service at its customer's site in these statuses (it may still be faulty).
    public var isAtCustomer: Bool { self == .inService || self == .suspect || self == .defective }
}

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

/// A diagnosis verdict (SPEC.md 4).
public enum Verdict: String, CaseIterable, Sendable, Codable {
    case defective
    case notDefective = "not-defective"
    case needsMoreInfo = "needs-more-info"
}

/// Whether a case met its response SLA.
public enum SLAState: String, Sendable, Codable {
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

/// The allowed steps of a support case, as data.
public enum CaseStateMachine {
    /// A step that moves a case on.
    public enum Action: String, CaseIterable, Sendable {
        case respond, workaround
        /// Wait on the customer (with a reason): the escalation clocks stop.
        case wait
        /// Stop waiting: back to the status the case had (see `resumed`), escalation deadlines moved.
        case resume
        case resolve, close
    }

    /// The statuses from which `action` is allowed, and where it leads. A first response while waiting keeps
    /// the case waiting; `resume` leads to `open`, `responded` or `workaround` by what happened before (`resumed`).
    public static func next(from status: CaseStatus, by action: Action) -> CaseStatus? {
        switch (action, status) {
        case (.respond, .open): .responded
        case (.respond, .waitingOnCustomer): .waitingOnCustomer
        case (.wait, .open), (.wait, .responded), (.wait, .workaround): .waitingOnCustomer
        case (.resume, .waitingOnCustomer): .open
        case (.workaround, .open), (.workaround, .responded), (.workaround, .waitingOnCustomer): .workaround
        case (.resolve, .open), (.resolve, .responded), (.resolve, .waitingOnCustomer), (.resolve, .workaround): .resolved
        case (.close, let s) where s != .closed: .closed
        default: nil
        }
    }

    /// The status a case resumes to after waiting: `workaround` once one was given, else `responded` once
    /// the first response was, else `open`.
    public static func resumed(responded: Bool, workaround: Bool) -> CaseStatus {
        workaround ? .workaround : responded ? .responded : .open
    }

    /// The actions allowed from `status`.
    public static func allowed(from status: CaseStatus) -> [Action] {
        Action.allCases.filter { next(from: status, by: $0) != nil }
    }
}
