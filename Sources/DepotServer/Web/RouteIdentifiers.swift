import DepotCore
import Foundation
import Hummingbird

extension DepotRequestContext {
    /// The route's parameter `name` as the user meant it: percent-decoded (`ÄB%231` is `ÄB#1`, `AB%2F1` is `AB/1`);
    /// a malformed escape is a 400.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError(status: .badRequest, code: "invalid", message: "the address is not correctly encoded: \(raw)")
        }
        return decoded
    }

    /// The unit the route's parameter `name` names; a text that is no serial is a unit not found (404), as it is
    /// for the store.
    func serial(_ name: String = "serial") throws -> Serial {
        try Serial.named(pathParameter(name))
    }

    /// The case the route's parameter `name` names; a text of another shape is a case not found (404).
    func caseNumber(_ name: String = "number") throws -> CaseNumber {
        try CaseNumber.named(pathParameter(name))
    }

    /// The RMA the route's parameter `name` names; a text of another shape is an RMA not found (404).
    func rmaNumber(_ name: String = "number") throws -> RMANumber {
        try RMANumber.named(pathParameter(name))
    }
}
