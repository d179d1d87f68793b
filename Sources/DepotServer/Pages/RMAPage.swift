import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/rmas/{number}`: an RMA's facts, its path's state machine with the current state, the forms of only the steps
/// allowed next, and its history. Times are in the RMA region's home zone.
struct RMAPage: PageModel {
    static let template = "rma"
    let title: String
    /// The facts and the forms of every step allowed next.
    let row: RMARow
    let verdictAt: String
    let states: [State]
    let transitions: [Transition]
    let history: [Step]
    /// What was wrong with a refused step, said first on the page (its form says it again at the field).
    var pageProblem: String?

    /// The page of RMA `number`; `submitted` is a step's form that was refused, shown again as it was sent.
    init(_ number: RMANumber, actor: ActingUser, database: DepotDatabase, now: Instant, submitted: SubmittedForm? = nil) throws {
        let r = try database.rmaDetail(number, now: now)
        let zone = PageTimes.zone(database, region: r.region)
        let reached = Set((r.history ?? []).map(\.to))
        title = "RMA \(number)"
        row = RMARow(r, database: database, actor: actor, back: "", now: now, submitted: submitted)
        verdictAt = PageTimes.local(r.verdictAt, zone: zone)
        states = RMAStateMachine.states(r.path).map { state in
            State(state: state.rawValue, current: state == r.state, reached: reached.contains(state.rawValue) && state != r.state)
        }
        transitions = RMAStateMachine.transitions(r.path).map { t in
            Transition(from: t.from.rawValue, action: t.action.rawValue, to: t.to.rawValue, next: t.from == r.state)
        }
        history = (r.history ?? []).map { Step($0, zone: zone) }
        pageProblem = submitted?.state.problem?.message
        customerName = try r.customer.flatMap { try database.customerNames([$0])[$0] }
        // Where the replacement was taken from (the spare's depot), as long as it is known there.
        spareDepot = r.replacementSerial == nil ? nil : try database.spareDepot(of: number)
    }

    let customerName: String?
    let spareDepot: String?

    func child(named name: String) -> Any? {
        let r = row.rma
        switch name {
        case "hasActions": return !r.allowedNext.isEmpty
        case "ships": return r.path != .salesReferral
        case "states": return states
        case "transitions": return transitions
        case "tier": return text(r.tier?.rawValue ?? "no contract")
        case "warrantyEnd": return text(r.warrantyEnd.description)
        case "inWarranty": return r.inWarranty
        case "reason": return text(r.reason)
        case "verdictAt": return text(verdictAt)
        case "returnCarrier": return text(r.returnCarrier)
        case "returnTracking": return text(r.returnTracking)
        case "outcome": return text(r.outcome)
        case "cancelReason": return text(r.cancelReason)
        case "history": return history
        case "pageProblem": return text(pageProblem)
        case "customerName": return text(customerName)
        case "spareDepot": return text(spareDepot)
        default: return row.child(named: name)
        }
    }

    /// A state of the path: the current one, and those the RMA has been through.
    struct State: MustacheParent, Sendable {
        let state: String
        let current: Bool
        let reached: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "state": text(state)
            case "current": current
            case "reached": reached
            default: nil
            }
        }
    }

    /// A step of the path, marked when it leaves the current state.
    struct Transition: MustacheParent, Sendable {
        let from: String
        let action: String
        let to: String
        let next: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "from": text(from)
            case "action": text(action)
            case "to": text(to)
            case "next": next
            default: nil
            }
        }
    }

    /// A step the RMA took.
    struct Step: MustacheParent, Sendable {
        let at: String
        let step: RMADetail.Step

        init(_ s: RMADetail.Step, zone: TimeZone) {
            at = PageTimes.local(s.at, zone: zone)
            step = s
        }

        func child(named name: String) -> Any? {
            switch name {
            case "at": text(at)
            case "action": text(step.action)
            case "from": text(step.from)
            case "to": text(step.to)
            case "actor": text(step.actor)
            case "note": text(step.note)
            default: nil
            }
        }
    }
}
