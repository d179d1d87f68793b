/// SPEC.md 1 and 3: the contract active on the day caps the number of a customer's designated support contacts.
public enum DesignatedContacts {
    /// A contract's term and its cap on designated contacts.
    public struct Contract: Sendable, Equatable {
        public let start: LocalDate
        public let end: LocalDate
        public let maxContacts: Int

        public init(start: LocalDate, end: LocalDate, maxContacts: Int) {
            self.start = start
            self.end = end
            self.maxContacts = maxContacts
        }
    }

    /// The cap on `day`: the largest of the contracts active that day (start <= day <= end, two overlap while one is
    /// renewed); `nil` when none is active, which allows none.
    public static func cap(of contracts: [Contract], on day: LocalDate) -> Int? {
        contracts.filter { $0.start <= day && day <= $0.end }.map(\.maxContacts).max()
    }

    /// What is wrong when `customer` would have `designated` designated contacts on `day` under a cap of `cap` (`nil`:
    /// no contract active that day, which allows none); `nil` when within the cap.
    public static func capProblem(customer: String, designated: Int, cap: Int?, on day: LocalDate) -> String? {
        guard designated > (cap ?? 0) else { return nil }
        let count = designated == 1 ? "1 designated contact" : "\(designated) designated contacts"
        guard let cap else { return "customer \"\(customer)\" would have \(count); it has no contract active on \(day), which allows none" }
        return "customer \"\(customer)\" would have \(count); its contract active on \(day) allows \(cap)"
    }

    /// SPEC.md 3: a support contact must be certified to be designated. What is wrong with a contact that would be
    /// `designated` and `certified` so; `nil` when it may be.
    public static func certificationProblem(designated: Bool, certified: Bool) -> String? {
        guard designated, !certified else { return nil }
        return "a designated contact must be certified (the support handbook): certify the contact or do not designate it"
    }
}
