import DepotCore
import Hummingbird
import Mustache

/// What went wrong with a submitted form, said next to the field it is about, so that the page can show the form
/// again with the user's input instead of a bare error page (issue 15).
struct FormProblem: Sendable, Equatable {
    /// The field the message belongs next to; `nil` for a problem of the whole form.
    let field: String?
    let message: String
    let status: HTTPResponse.Status

    init(field: String?, message: String, status: HTTPResponse.Status) {
        self.field = field
        self.message = message
        self.status = status
    }

    /// The problem `error` names, placed at one of `fields` (the form's field names) when it is about one: a field
    /// the form left empty or filled wrongly, a record it names that does not exist, a value the rules refuse.
    /// `nil` for an error that is not about the form (not signed in, storage): those keep their error page.
    init?(_ error: any Error, form: Form, fields: Set<String>) {
        switch error {
        case let error as APIError:
            guard error.status != .unauthorized else { return nil }
            self.init(field: error.field.flatMap { fields.contains($0) ? $0 : nil }, message: error.message, status: error.status)
        case let error as DepotError:
            let status = APIError(error).status
            guard status.code < 500, status != .unauthorized else { return nil }
            let (field, message) = Self.place(error, form: form, fields: fields)
            self.init(field: field, message: message, status: status)
        default:
            return nil
        }
    }

    /// Which field a Depot error is about, and what to say there.
    private static func place(_ error: DepotError, form: Form, fields: Set<String>) -> (String?, String) {
        func known(_ name: String) -> String? { fields.contains(name) ? name : nil }
        switch error {
        case let .invalidArgument(name, _, reason):
            let flag = name.hasPrefix("--") ? String(name.dropFirst(2)) : name
            // The form's name for a field the store names otherwise.
            let field = ["software-version": "softwareVersion", "confirmed-by": "confirmedBy"][flag] ?? flag
            return known(field).map { ($0, reason) } ?? (nil, error.message)
        case let .notFound(kind, _):
            let field = ["customer": "customer", "contact": "contact", "appliance": "serial", "case": "case", "depot": "depot"][kind]
            return (field.flatMap(known), error.message)
        case .unknownVersion:
            return (known("softwareVersion"), error.message)
        case let .refused(subject, _):
            // The field whose value the refusal is about (a contact's e-mail, a unit's serial).
            let field = fields.sorted().first { form.optional($0)?.uppercased() == subject.uppercased() }
            return (field, error.message)
        default:
            return (nil, error.message)
        }
    }
}

/// A form as the user left it: the values sent and what was wrong, for a page that shows the form again.
/// Templates read `{{form.NAME}}` for a value and `{{#problems.NAME}}...{{/problems.NAME}}` for the message next to
/// a field; `{{problem}}` is the message at the top of the form (every problem, so that it is read first).
struct FormState: Sendable {
    var values: [String: String] = [:]
    var problem: FormProblem?

    init(values: [String: String] = [:], problem: FormProblem? = nil) {
        self.values = values
        self.problem = problem
    }

    /// A value as sent, `nil` when absent or blank.
    func value(_ name: String) -> String? {
        guard let value = values[name], !value.trimmingSpaces().isEmpty else { return nil }
        return value
    }

    /// The values, by field name.
    var form: Values { Values(values: values) }
    /// The problem's message, under its field's name.
    var problems: Problems { Problems(problem: problem) }

    struct Values: MustacheParent, Sendable {
        let values: [String: String]
        func child(named name: String) -> Any? { text(values[name]) }
    }

    struct Problems: MustacheParent, Sendable {
        let problem: FormProblem?
        func child(named name: String) -> Any? { problem?.field == name ? problem?.message : nil }
    }
}

/// A form of a record's page that was sent and refused: which one (`diagnosis`, `step-close`) and how it was left.
struct SubmittedForm: Sendable {
    let name: String
    let state: FormState
}

/// An option of a select, the one sent (else the default) selected.
struct SelectOption: MustacheParent, Sendable {
    let value: String
    let label: String
    let selected: Bool

    init(value: String, label: String? = nil, selected: Bool) {
        self.value = value
        self.label = label ?? value
        self.selected = selected
    }

    /// One option per value, `chosen` (else `fallback`) selected.
    static func list(_ values: [String], chosen: String?, default fallback: String, labels: [String: String] = [:]) -> [SelectOption] {
        let chosen = chosen ?? fallback
        return values.map { SelectOption(value: $0, label: labels[$0], selected: $0 == chosen) }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": text(label)
        case "selected": selected
        default: nil
        }
    }
}
