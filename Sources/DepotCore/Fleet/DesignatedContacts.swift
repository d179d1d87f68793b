/// SPEC.md 1: a contract caps the number of a customer's designated support contacts.
public enum DesignatedContacts {
    /// What is wrong when `customer` would have `designated` designated contacts under a contract allowing `cap`
    /// (`nil`: no contract, which allows none); `nil` when within the cap.
    public static func capProblem(customer: String, designated: Int, cap: Int?) -> String? {
        let cap = cap ?? 0
        guard designated > cap else { return nil }
        return "customer \"\(customer)\" would have \(designated) designated contacts; its contract allows \(cap)"
    }

    /// SPEC.md 3: a support contact must be certified to be designated. What is wrong with a contact that would be
    /// `designated` and `certified` so; `nil` when it may be.
    public static func certificationProblem(designated: Bool, certified: Bool) -> String? {
        guard designated, !certified else { return nil }
        return "a designated contact must be certified (the support handbook): certify the contact or do not designate it"
    }
}
