import DepotCore
import DepotStore
import Mustache

/// `/cases/new?serial=&customer=`: the form that opens a case. Opened from a unit it fills in what the unit knows
/// (its customer, its site, its software version); once the customer is known it offers that customer's contacts
/// to choose from, designated ones marked; it shows which priority impact and urgency suggest, and why; the cursor
/// starts in the first field still empty. After a mistake it is the same form with everything the user typed and
/// the message next to the field it is about.
struct NewCasePage: PageModel {
    static let template = "case-new"
    let title = "Open a case"
    let state: FormState
    /// The unit's site, shown beside its serial.
    var site: String?
    /// The customer's contacts, when the customer is known.
    var contacts: [CustomerDetail.Contact] = []

    /// Every field of the form.
    static let fields: Set<String> = [
        "customer", "contact", "type", "serial", "impact", "urgency", "priority", "reason", "softwareVersion", "title", "description",
        "pin",
    ]

    /// The form as sent (`state`), or the empty form with what the page it was opened from knows: a unit's customer,
    /// site and version fill in what the user has not. A serial or customer that does not exist is left for the
    /// form's own check when it is sent.
    init(state: FormState, database: DepotDatabase, now: Instant) throws {
        var values = state.values
        if let typed = state.value("serial"), let serial = Serial(typed.trimmingSpaces()),
            let unit = try? database.unitDetail(serial)
        {
            values["serial"] = unit.serial.text
            if state.value("customer") == nil, let customer = unit.customer { values["customer"] = customer }
            if state.value("softwareVersion") == nil, let version = unit.softwareVersion { values["softwareVersion"] = version }
            site = unit.site
        }
        if let customer = values["customer"].flatMap({ $0.trimmingSpaces().isEmpty ? nil : $0 }),
            let detail = try? database.customerDetail(customer, at: now)
        {
            values["customer"] = detail.key
            contacts = detail.contacts
        }
        self.state = FormState(values: values, problem: state.problem)
    }

    private func options(_ name: String, _ values: [String], default fallback: String, labels: [String: String] = [:]) -> [SelectOption] {
        SelectOption.list(values, chosen: state.value(name), default: fallback, labels: labels)
    }

    private var impact: Level { state.value("impact").flatMap(Level.init(rawValue:)) ?? .medium }
    private var urgency: Level { state.value("urgency").flatMap(Level.init(rawValue:)) ?? .medium }

    /// The customer's contacts to choose from; a contact sent that is not one of them stays chosen, said so, so that
    /// the form shows what was sent next to the message about it.
    private var contactOptions: [SelectOption] {
        let sent = state.value("contact")
        let known = contacts.map { c in
            SelectOption(
                value: c.email, label: "\(c.name) <\(c.email)>" + (c.designated ? " · designated" : ""),
                selected: c.email.lowercased() == sent?.lowercased())
        }
        let other =
            sent.flatMap { s in contacts.contains { $0.email.lowercased() == s.lowercased() } ? nil : s }
            .map {
                [SelectOption(value: $0, label: "\($0) (not a contact of \(state.value("customer") ?? "this customer"))", selected: true)]
            }
            ?? []
        return [SelectOption(value: "", label: "choose a contact", selected: sent == nil)] + known + other
    }

    /// The priority the chosen impact and urgency suggest, with what it means.
    private var suggested: String {
        let p = Priority.suggested(impact: impact, urgency: urgency)
        return "\(p.rawValue) (\(p.meaning)) for impact \(impact.rawValue) and urgency \(urgency.rawValue)"
    }

    /// The first field the user still has to fill: where the cursor starts.
    private var focus: String {
        if state.problem?.field.map(Self.fields.contains) == true, let field = state.problem?.field { return field }
        return ["customer", "contact", "title"].first { state.value($0) == nil } ?? "description"
    }

    func child(named name: String) -> Any? {
        switch name {
        case "form": state.form
        case "problems": state.problems
        case "problem": text(state.problem?.message)
        case "ownFocus": true
        case "focus": Focus(field: focus)
        case "site": text(site)
        case "hasContacts": !contacts.isEmpty
        case "contactOptions": contactOptions
        case "types": options("type", CaseType.allCases.map(\.rawValue), default: CaseType.hardwareFault.rawValue)
        case "impacts": options("impact", Level.allCases.map(\.rawValue), default: Level.medium.rawValue)
        case "urgencies": options("urgency", Level.allCases.map(\.rawValue), default: Level.medium.rawValue)
        case "priorities":
            options(
                "priority", [""] + Priority.allCases.map(\.rawValue), default: "",
                labels: ["": "suggested"].merging(Priority.allCases.map { ($0.rawValue, "\($0.rawValue): \($0.meaning)") }) { a, _ in a })
        case "suggested": suggested
        case "matrix": Self.matrix
        default: nil
        }
    }

    /// `{{#focus.title}} autofocus{{/focus.title}}`: true only for the field the cursor starts in.
    struct Focus: MustacheParent, Sendable {
        let field: String
        func child(named name: String) -> Any? { name == field ? true : nil }
    }

    /// The suggestion rule (SPEC.md 3) as a table: impact down, urgency across.
    static let matrix: [[String]] = Level.allCases.map { impact in
        [impact.rawValue] + Level.allCases.map { Priority.suggested(impact: impact, urgency: $0).rawValue }
    }
}
