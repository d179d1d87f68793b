/// The state of an RMA (SPEC.md 4).
public enum RMAState: String, CaseIterable, Sendable, Codable {
    case approved, allocated, shipped, delivered
    case returnShipped = "return-shipped"
    case returnReceived = "return-received"
    case awaitingReturn = "awaiting-return"
    case referred, closed, cancelled

    /// Closed and cancelled RMAs are finished; every other state is open.
    public var isOpen: Bool { self != .closed && self != .cancelled }
}

/// A step that moves an RMA on; each is a command (`depot rma allocate`, ...).
public enum RMAAction: String, CaseIterable, Sendable, Codable {
    case allocate, ship, deliver
    case returnShip = "return-ship"
    case receive, close, cancel
}

/// The RMA state machine as data: for each path, which action leads from which state to which.
/// Refusals name the allowed next steps from this table, and the web UI shows only those actions.
public enum RMAStateMachine {
    /// One allowed step.
    public struct Transition: Sendable, Equatable {
        public let from: RMAState
        public let action: RMAAction
        public let to: RMAState
    }

    /// The state a new RMA of `path` starts in.
    public static func initialState(_ path: RMAPath) -> RMAState {
        switch path {
        case .advanceReplacement: .approved
        case .returnThenReplace: .awaitingReturn
        case .salesReferral: .referred
        }
    }

    /// The allowed steps of `path`, cancellation (until the replacement ships) included.
    public static func transitions(_ path: RMAPath) -> [Transition] {
        let steps: [(RMAState, RMAAction, RMAState)]
        switch path {
        case .advanceReplacement:
            steps = [
                (.approved, .allocate, .allocated), (.allocated, .ship, .shipped), (.shipped, .deliver, .delivered),
                (.delivered, .returnShip, .returnShipped), (.returnShipped, .receive, .returnReceived),
                (.returnReceived, .close, .closed),
            ]
        case .returnThenReplace:
            // `return-ship` records the customer's shipment of the unit; the RMA stays awaiting its return.
            steps = [
                (.awaitingReturn, .returnShip, .awaitingReturn), (.awaitingReturn, .receive, .returnReceived),
                (.returnReceived, .allocate, .allocated), (.allocated, .ship, .shipped), (.shipped, .deliver, .delivered),
                (.delivered, .close, .closed),
            ]
        case .salesReferral:
            steps = [(.referred, .close, .closed)]
        }
        var all = steps.map { Transition(from: $0.0, action: $0.1, to: $0.2) }
        for state in cancellable(path) {
            all.append(Transition(from: state, action: .cancel, to: .cancelled))
        }
        return all
    }

    /// The states an RMA of `path` can be cancelled in (SPEC.md 4): until its replacement ships. Once a unit is
    /// on its way to the customer, the RMA runs to its end.
    public static func cancellable(_ path: RMAPath) -> [RMAState] {
        switch path {
        case .advanceReplacement: [.approved, .allocated]
        case .returnThenReplace: [.awaitingReturn, .returnReceived, .allocated]
        case .salesReferral: [.referred]
        }
    }

    /// Where `action` leads from `state` on `path`, or `nil` when it is not allowed.
    public static func next(_ path: RMAPath, from state: RMAState, by action: RMAAction) -> RMAState? {
        transitions(path).first { $0.from == state && $0.action == action }?.to
    }

    /// The actions allowed from `state` on `path`, in the order of the path.
    public static func allowed(_ path: RMAPath, from state: RMAState) -> [RMAAction] {
        transitions(path).filter { $0.from == state }.map(\.action)
    }

    /// The steps allowed once it is known where the defective unit is: a return-then-replace RMA whose unit the
    /// customer has shipped back waits only for its receipt (a second shipment or a cancellation would leave the unit
    /// on its way with nothing to receive it).
    public static func allowed(_ path: RMAPath, from state: RMAState, unitOnWayBack: Bool) -> [RMAAction] {
        let all = allowed(path, from: state)
        guard path == .returnThenReplace, state == .awaitingReturn, unitOnWayBack else { return all }
        return all.filter { $0 == .receive }
    }

    /// The permission a step needs: closing a sales referral is the account manager's, cancelling anyone's who
    /// works on RMAs, every other step moves units (logistics).
    public static func permission(for action: RMAAction, on path: RMAPath) -> Permission {
        switch action {
        case .close where path == .salesReferral: .closeReferral
        case .cancel: .cancelRMA
        default: .moveUnits
        }
    }

    /// The states of `path` in order, for showing the machine.
    public static func states(_ path: RMAPath) -> [RMAState] {
        var states = [initialState(path)]
        for t in transitions(path) where t.action != .cancel && !states.contains(t.to) { states.append(t.to) }
        return states + [.cancelled]
    }
}
