/// Where an appliance is in its life (SPEC.md 4).
public enum ApplianceStatus: String, CaseIterable, Sendable, Codable {
    /// A spare on a depot shelf.
    case inStock = "in-stock"
    /// A spare set aside for an RMA.
    case allocated
    /// A replacement on its way to a customer.
    case inTransit = "in-transit"
    /// Working at a customer site.
    case inService = "in-service"
    /// Reported faulty; diagnosis pending.
    case suspect
    /// Diagnosed defective.
    case defective
    /// A defective unit on its way back to the vendor.
    case returnInTransit = "return-in-transit"
    /// A defective unit received back.
    case returned
    /// Taken apart or disposed of.
    case scrapped
    /// Out of use at the customer by the customer's choice.
    case retired

    /// A unit counts as in service at its customer's site in these statuses (it may still be faulty).
    public var isAtCustomer: Bool { self == .inService || self == .suspect || self == .defective }
}
