import DepotCore
import Mustache

/// `/rmas/{number}/label?direction=`: a shipping label on a page that prints as the label alone, with a link to the
/// other direction's.
struct LabelPage: PageModel {
    static let template = "label"
    let title: String
    let number: RMANumber
    let direction: ShippingLabel.Direction

    /// The label's page.
    init(number: RMANumber, direction: ShippingLabel.Direction) {
        title = "Label \(number)"
        self.number = number
        self.direction = direction
    }

    func child(named name: String) -> Any? {
        let other: ShippingLabel.Direction = direction == .replacement ? .return : .replacement
        switch name {
        case "number": return text(number)
        case "direction": return text(direction.rawValue)
        case "directionText": return direction == .replacement ? "replacement" : "return"
        case "otherDirection": return text(other.rawValue)
        case "otherText": return other == .replacement ? "replacement" : "return"
        default: return nil
        }
    }
}
