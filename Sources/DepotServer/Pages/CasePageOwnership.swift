import DepotCore
import DepotStore
import Foundation
import Mustache

extension CasePage {
    /// The case's owner and the forms about it: take the case, hand it to another engineer, change its priority with a
    /// reason, record an escalation the customer asked for (SPEC.md 3); and the escalations the customer asked for.
    struct OwnershipForms: MustacheParent, Sendable {
        let owner: String?
        let me: String
        let status: CaseStatus
        let priority: Priority
        /// Who can own a case: the support engineers and admins, for the assign form's list.
        let engineers: [String]
        /// The customer's contacts, for the escalation form's list.
        let contacts: [String]
        let asked: [(at: String, by: String, reason: String, recordedBy: String)]
        /// The form that was sent and refused, by its name (`step-assign`), shown again as it was sent.
        let submitted: SubmittedForm?

        /// The names of the forms the page shows now.
        var shownForms: [String] {
            guard status != .closed else { return [] }
            return ["step-assign", "step-escalate"] + (owner != me ? ["step-take"] : []) + (status.isUnresolved ? ["step-priority"] : [])
        }

        init(_ c: CaseDetail, actor: ActingUser, database: DepotDatabase, zone: TimeZone, submitted: SubmittedForm?) throws {
            owner = c.owner
            me = actor.user
            status = c.status
            priority = c.priority
            // The forms' lists, read only for a user who sees the forms.
            let manages = actor.role.allows(.manageCases) && c.status != .closed
            engineers = manages ? try database.users().filter { $0.role.allows(.manageCases) }.map(\.name).sorted() : []
            contacts = manages ? try database.contacts(ofCustomer: c.customer).map(\.email) : []
            asked = c.customerEscalations.map { (PageTimes.local($0.at, zone: zone), $0.requestedBy, $0.reason, $0.recordedBy) }
            self.submitted = submitted
        }

        private func state(_ form: String) -> FormState? { submitted?.name == "step-\(form)" ? submitted?.state : nil }

        func child(named name: String) -> Any? {
            switch name {
            case "owner": text(owner)
            case "canTake": status != .closed && owner != me
            case "canAssign": status != .closed
            case "canChangePriority": status.isUnresolved
            case "canEscalate": status != .closed
            case "engineers": engineers.map { text($0) }
            case "assignTo": text(state("assign")?.value("to"))
            case "assignProblem": text(state("assign")?.problem?.message)
            case "takeProblem": text(state("take")?.problem?.message)
            case "priorities":
                SelectOption.list(
                    Priority.allCases.map(\.rawValue), chosen: state("priority")?.value("priority"), default: priority.rawValue)
            case "priorityReason": text(state("priority")?.value("reason"))
            case "priorityProblem": text(state("priority")?.problem?.message)
            case "contacts":
                SelectOption.list(contacts, chosen: state("escalate")?.value("requestedBy"), default: contacts.first ?? "")
            case "escalateReason": text(state("escalate")?.value("reason"))
            case "escalateProblem": text(state("escalate")?.problem?.message)
            case "asked": asked.map { Asked(at: $0.at, by: $0.by, reason: $0.reason, recordedBy: $0.recordedBy) }
            case "hasAsked": !asked.isEmpty
            default: nil
            }
        }

        struct Asked: MustacheParent, Sendable {
            let at: String
            let by: String
            let reason: String
            let recordedBy: String

            func child(named name: String) -> Any? {
                switch name {
                case "at": text(at)
                case "by": text(by)
                case "reason": text(reason)
                case "recordedBy": text(recordedBy)
                default: nil
                }
            }
        }
    }
}
