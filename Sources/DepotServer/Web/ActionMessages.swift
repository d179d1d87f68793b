import DepotCore
import DepotStore
import Foundation

/// What each form of the web UI says it did (the flash message at the top of the page it returns to), written from
/// the record as it is after the step, so that the message states the new state and not what was asked for.
enum ActionMessages {
    static func opened(_ c: CaseDetail) -> String {
        "Case \(c.number) opened for \(c.customer): priority \(c.priority.rawValue)"
            + (c.responseThreshold.map { ", response due within \($0)" } ?? ", no response SLA")
            + (c.clockNote.map { "; \($0)" } ?? "")
    }

    static func caseStep(_ action: CaseStateMachine.Action, _ c: CaseDetail) -> String {
        let done =
            switch action {
            case .respond: "response recorded"
            case .workaround: "workaround recorded"
            case .wait: "waiting on the customer (escalation clocks stopped)"
            case .resume: "no longer waiting on the customer"
            case .resolve: "resolved"
            case .close: "closed, its attachments deleted"
            case .reopen: "reopened (its escalation deadlines moved by the time it was resolved)"
            }
        return "\(c.number): \(done). Status now \(c.status.rawValue)."
    }

    static func assigned(_ done: CaseAssignment) -> String {
        done.changed ? "\(done.caseNumber) is now \(done.owner)'s case." : "\(done.caseNumber) is \(done.owner)'s case already."
    }

    static func priorityChanged(_ done: PriorityChangeResult) -> String {
        let moved = done.deadlines.map { "\($0.deadline) due \($0.now?.description ?? "never")" }
        return "\(done.caseNumber): priority \(done.was.rawValue) -> \(done.priority.rawValue)"
            + (moved.isEmpty ? "; no deadline moved." : "; \(moved.joined(separator: ", ")).")
    }

    static func customerEscalation(_ done: CustomerEscalation) -> String {
        "\(done.caseNumber): escalation asked by \(done.requestedBy) recorded; support leadership is notified."
    }

    static func diagnosed(_ outcome: DiagnosisOutcome, case number: CaseNumber) -> String {
        let recorded = "Diagnosis \(outcome.verdict.rawValue) recorded on \(number)"
        guard let rma = outcome.rma else { return recorded + "." }
        return recorded + ": \(rma) opened (\(outcome.path?.rawValue ?? "RMA"))."
    }

    static func attached(_ name: String, to number: CaseNumber) -> String {
        "\(name) attached to \(number)."
    }

    static func rmaStep(_ action: RMAAction, _ r: RMADetail, at: String) -> String {
        let replacement = r.replacementSerial?.text ?? "the replacement"
        let done =
            switch action {
            case .allocate: "Spare \(replacement) allocated to \(r.number)."
            case .ship: "\(r.number): \(replacement) shipped with \(r.carrier ?? "") \(r.tracking ?? "")."
            case .deliver: "\(r.number): \(replacement) delivered \(at)."
            case .returnShip: "\(r.number): return shipment recorded."
            case .receive: "\(r.number): returned unit \(r.serial) received \(at)."
            case .close: "\(r.number) closed" + (r.outcome.map { " (\($0))." } ?? ".")
            case .cancel: "\(r.number) cancelled."
            }
        return done + " State now \(r.state.rawValue)."
    }

    static func returnedUnit(_ serial: Serial, status: ApplianceStatus) -> String {
        "\(serial) is now \(status.rawValue)."
    }
}
