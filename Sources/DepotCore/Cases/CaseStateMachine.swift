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
