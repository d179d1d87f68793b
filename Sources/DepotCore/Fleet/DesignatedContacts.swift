/// SPEC.md 1: a contract caps the number of a customer's designated support contacts.
public enum DesignatedContacts {
    /// What is wrong when `customer` would have `designated` designated contacts under a contract allowing `cap`
    /// (`nil`: no contract, which allows none); `nil` when within the cap.
    public static func capProblem(customer: String, designated: Int, cap: Int?) -> String? {
        let cap = cap ?? 0
        guard designated > cap else { return nil }
        return "customer \"\(customer)\" would have \(designated) designated contacts; its contract allows \(cap)"
    }
}
