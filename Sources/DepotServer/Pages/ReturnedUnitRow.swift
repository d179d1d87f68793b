import DepotCore
import DepotStore
import Mustache

/// A defective unit back at a depot (status `returned`), with the two things logistics does with it: refurbish it
/// into stock (at its depot, or another) or scrap it, which is final and asks to confirm.
struct ReturnedUnitRow: MustacheParent, Sendable {
    let unit: UnitDetail
    /// Whether the signed-in user may move units.
    let permitted: Bool
    /// Where the forms return to (`/logistics`), empty for the unit's page.
    let back: String

    func child(named name: String) -> Any? {
        switch name {
        case "serial": key(unit.serial)
        case "model": text(unit.model)
        case "depot": text(unit.depot)
        case "permitted": permitted
        case "back": text(back)
        default: nil
        }
    }
}
