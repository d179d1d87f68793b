import Testing

@testable import DepotCore

@Suite("rules: the case and RMA state machines, SLA states, serials")
struct StateMachineTests {
    @Test(
        "every RMA path runs from its first state to closed by its own steps; cancel only until the replacement ships",
        arguments: RMAPath.allCases)
    func rmaPaths(path: RMAPath) {
        var state = RMAStateMachine.initialState(path)
        var seen: Set<RMAState> = [state]
        while state != .closed {
            // The first allowed step other than cancel (and other than return-then-replace's self-loop).
            guard let step = RMAStateMachine.transitions(path).first(where: { $0.from == state && $0.action != .cancel && $0.to != state })
            else {
                Issue.record("\(path.rawValue) is stuck in \(state.rawValue)")
                return
            }
            state = step.to
            #expect(seen.insert(state).inserted, "\(path.rawValue) comes back to \(state.rawValue)")
        }
        let shipped = RMAStateMachine.states(path).firstIndex(of: .shipped)
        for candidate in RMAStateMachine.states(path) where candidate != .cancelled && candidate != .closed {
            let cancellable = RMAStateMachine.next(path, from: candidate, by: .cancel) == .cancelled
            let beforeShipping = shipped.map { RMAStateMachine.states(path).firstIndex(of: candidate) ?? 0 < $0 } ?? true
            #expect(cancellable == beforeShipping, "\(path.rawValue) \(candidate.rawValue)")
        }
        #expect(RMAStateMachine.allowed(path, from: .closed).isEmpty && RMAStateMachine.allowed(path, from: .cancelled).isEmpty)
    }

    @Test("a return-then-replace unit on its way back allows only its receipt")
    func unitOnWayBack() {
        #expect(RMAStateMachine.allowed(.returnThenReplace, from: .awaitingReturn, unitOnWayBack: true) == [.receive])
        #expect(RMAStateMachine.allowed(.returnThenReplace, from: .awaitingReturn, unitOnWayBack: false).contains(.cancel))
    }

    @Test("case steps: close from anything but closed; resume returns to what the case was")
    func caseSteps() {
        for status in CaseStatus.allCases {
            #expect((CaseStateMachine.next(from: status, by: .close) == .closed) == (status != .closed))
        }
        #expect(CaseStateMachine.allowed(from: .closed).isEmpty)
        #expect(CaseStateMachine.allowed(from: .resolved) == [.reopen, .close])
        #expect(CaseStateMachine.next(from: .waitingOnCustomer, by: .respond) == .waitingOnCustomer)
        #expect(CaseStateMachine.resumed(responded: false, workaround: false) == .open)
        #expect(CaseStateMachine.resumed(responded: true, workaround: false) == .responded)
        #expect(CaseStateMachine.resumed(responded: true, workaround: true) == .workaround)
    }

    @Test("SLA state: met on the deadline itself, breached a second after, pending before, none without an SLA")
    func slaState() {
        let due = at("2026-11-30T10:00:00Z")
        #expect(SLAState.of(due: due, responded: due, now: due) == .met)
        #expect(SLAState.of(due: due, responded: at("2026-11-30T10:00:01Z"), now: due) == .breached)
        #expect(SLAState.of(due: due, responded: nil, now: due) == .pending)
        #expect(SLAState.of(due: due, responded: nil, now: at("2026-11-30T10:00:01Z")) == .breached)
        #expect(SLAState.of(due: nil, responded: nil, now: due) == nil)
    }

    @Test("serials are trimmed and case-insensitive; empty, spaced or control-character serials are none")
    func serials() {
        #expect(Serial(" sn-1 ")?.text == "SN-1")
        #expect(Serial("sn-1") == Serial("SN-1"))
        #expect(Serial("ünit-1")?.text == "ÜNIT-1")
        for bad in ["", "   ", "SN 1", "SN\u{7}1", String(repeating: "A", count: 65)] { #expect(Serial(bad) == nil, "\(bad)") }
        #expect(Serial(String(repeating: "A", count: 64)) != nil)
    }
}
