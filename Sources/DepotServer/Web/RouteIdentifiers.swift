import DepotCore
import Hummingbird

extension DepotRequestContext {
    /// The unit the route's parameter `name` names; a text that is no serial is a unit not found (404), as it is
    /// for the store.
    func serial(_ name: String = "serial") throws -> Serial {
        try Serial.named(parameters.require(name))
    }

    /// The case the route's parameter `name` names; a text of another shape is a case not found (404).
    func caseNumber(_ name: String = "number") throws -> CaseNumber {
        try CaseNumber.named(parameters.require(name))
    }

    /// The RMA the route's parameter `name` names; a text of another shape is an RMA not found (404).
    func rmaNumber(_ name: String = "number") throws -> RMANumber {
        try RMANumber.named(parameters.require(name))
    }
}
