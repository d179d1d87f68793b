/// The logistics lists an open RMA is in, by the steps the state machine allows it next (never by state names):
/// to ship while its replacement is to be allocated or shipped, in transit while it is to be delivered, a return
/// while its defective unit is to be sent back or received. An advance replacement delivered but not yet back is
/// in returns only; a return-then-replace waiting for the unit is in returns, then to ship once it is received.
public enum RMAQueue: String, CaseIterable, Sendable {
    case toShip = "to-ship"
    case inTransit = "in-transit"
    case returns

    /// The steps that put an RMA in the list.
    public var actions: Set<RMAAction> {
        switch self {
        case .toShip: [.allocate, .ship]
        case .inTransit: [.deliver]
        case .returns: [.returnShip, .receive]
        }
    }

    /// Whether an RMA allowed `next` steps is in the list.
    public func contains(allowed next: some Sequence<RMAAction>) -> Bool {
        next.contains { actions.contains($0) }
    }

    /// The paths and states of the RMAs in the list, each path with its states in the order the machine lists them.
    public var members: [(path: RMAPath, states: [RMAState])] {
        RMAPath.allCases.compactMap { path in
            var states: [RMAState] = []
            for transition in RMAStateMachine.transitions(path) where actions.contains(transition.action) {
                if !states.contains(transition.from) { states.append(transition.from) }
            }
            return states.isEmpty ? nil : (path, states)
        }
    }
}
