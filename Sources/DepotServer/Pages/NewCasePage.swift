import DepotCore
import Mustache

/// `/cases/new?serial=&customer=`: the form that opens a case, with the unit and customer it came from filled in.
struct NewCasePage: PageModel {
    static let template = "case-new"
    let title = "Open a case"
    let serial: String
    let customer: String

    /// An option of a select, the default one selected.
    struct Option: MustacheParent, Sendable {
        let value: String
        let selected: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "value": text(value)
            case "selected": selected
            default: nil
            }
        }
    }

    private static let types = CaseType.allCases.map { Option(value: $0.rawValue, selected: $0 == .hardwareFault) }
    private static let levels = Level.allCases.map { Option(value: $0.rawValue, selected: $0 == .medium) }

    func child(named name: String) -> Any? {
        switch name {
        case "serial": text(serial)
        case "customer": text(customer)
        case "types": Self.types
        case "levels": Self.levels
        default: nil
        }
    }
}
