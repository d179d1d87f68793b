/// The allowed steps of a support case, as data.
public enum CaseStateMachine {
    /// A step that moves a case on.
    public enum Action: String, CaseIterable, Sendable {
        case respond, workaround
        /// Wait on the customer (with a reason): the escalation clocks stop.
        case wait
        /// Stop waiting: back to the status the case had (see `resumed`), escalation deadlines moved.
        case resume
        case resolve
        /// Undo a resolution within the policy's days (SPEC.md 3): back to the status the case had, its clocks running
        /// again as if the time resolved had been a wait.
        case reopen
        case close
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
        case (.reopen, .resolved): .open
        default: nil
        }
    }

    /// SPEC.md 3: a resolved case can be reopened within the policy's days of its resolution (a closed one never).
    /// `nil` when it may be at `at`; otherwise the refusal.
    public static func reopenRefusal(case number: String, resolvedAt: Instant, at: Instant, days: Int) -> DepotError? {
        guard at.secondsSinceEpoch - resolvedAt.secondsSinceEpoch > Int64(days) * 86_400 else { return nil }
        return .refused(
            subject: number, reason: "was resolved at \(resolvedAt), more than \(days) days ago: open a new case instead")
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
