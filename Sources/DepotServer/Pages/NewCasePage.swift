import DepotCore
import Mustache

/// `/cases/new?serial=&customer=`: the form that opens a case, with the unit and customer it came from filled in; after
/// a mistake, the same form with everything the user typed and the message next to the field it is about.
struct NewCasePage: PageModel {
    static let template = "case-new"
    let title = "Open a case"
    let state: FormState

    /// Every field of the form.
    static let fields: Set<String> = [
        "customer", "contact", "type", "serial", "impact", "urgency", "priority", "reason", "version", "title", "description",
    ]

    /// The empty form, with what the page it was opened from knows.
    init(serial: String, customer: String) {
        state = FormState(values: ["serial": serial, "customer": customer])
    }

    /// The form as it was sent, with its problem.
    init(state: FormState) {
        self.state = state
    }

    private func options(_ name: String, _ values: [String], default fallback: String, labels: [String: String] = [:]) -> [SelectOption] {
        SelectOption.list(values, chosen: state.value(name), default: fallback, labels: labels)
    }

    func child(named name: String) -> Any? {
        switch name {
        case "form": state.form
        case "problems": state.problems
        case "problem": text(state.problem?.message)
        case "types": options("type", CaseType.allCases.map(\.rawValue), default: CaseType.hardwareFault.rawValue)
        case "impacts": options("impact", Level.allCases.map(\.rawValue), default: Level.medium.rawValue)
        case "urgencies": options("urgency", Level.allCases.map(\.rawValue), default: Level.medium.rawValue)
        case "priorities":
            options("priority", [""] + Priority.allCases.map(\.rawValue), default: "", labels: ["": "suggested"])
        default: nil
        }
    }
}
