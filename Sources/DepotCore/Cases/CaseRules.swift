/// Who may report a case at which priority, and how a case closes (SPEC.md 1 and 3).
public enum CaseRules {
    /// SPEC.md 1 and 3: only a designated, certified contact under an active contract may report a P1 case. `nil`
    /// when `contact` may; otherwise the refusal, which tells how to open the case instead.
    public static func p1Refusal(
        contact: String, designated: Bool, certified: Bool = true, customer: String, activeTier: Tier?, on day: LocalDate
    ) -> DepotError? {
        guard !designated || !certified || activeTier == nil else { return nil }
        let why =
            !designated
            ? "\(contact) is not a designated contact"
            : !certified ? "\(contact) is designated but not certified" : "customer \"\(customer)\" has no active contract on \(day)"
        return .refused(
            subject: "P1",
            reason:
                "only a designated, certified contact under an active contract may report a P1 case; \(why). Open it as P2 (priority P2 with a reason)."
        )
    }

    /// SPEC.md 3 ("who may open what"): software support (questions and product defects) needs a contract active on
    /// the opening day; hardware faults are accepted without one (the warranty still applies), enhancement and
    /// custom-development requests too (they promise no timeframe). `nil` when `type` may be opened; otherwise the
    /// refusal naming the rule.
    public static func contractRefusal(type: CaseType, customer: String, activeTier: Tier?, on day: LocalDate) -> DepotError? {
        guard activeTier == nil, type == .question || type == .productDefect else { return nil }
        return .refused(
            subject: type.rawValue,
            reason:
                "software support (question, product-defect) needs an active contract, and customer \"\(customer)\" has none on \(day); a hardware fault is accepted without one (warranty)"
        )
    }

    /// SPEC.md 3: enhancement requests get no response SLA and no escalation (no timeframe is promised), and
    /// custom-development requests are referred to professional services (recorded, no SLA); every other type gets
    /// the tier's clocks.
    public static func promisesTimeframe(_ type: CaseType) -> Bool {
        type != .enhancement && type != .customDevelopment
    }

    /// SPEC.md 3: a case is closed only by mutual agreement, so closing names the customer's contact who confirmed
    /// it. Returns the contact's address as given, trimmed.
    public static func confirmingContact(_ confirmedBy: String?) throws(DepotError) -> String {
        guard let confirmedBy, !confirmedBy.trimmingSpaces().isEmpty else {
            throw .invalidArgument(
                name: "--confirmed-by", value: "",
                reason: "a case is closed only by mutual agreement: name the customer contact who confirmed it")
        }
        return confirmedBy
    }

    /// SPEC.md 3: the contact who confirms a closure is one of the case's own customer's contacts.
    public static func checkConfirmation(by contact: String, isContactOfCaseCustomer: Bool) throws(DepotError) {
        guard isContactOfCaseCustomer else { throw .refused(subject: contact, reason: "is not a contact of this case's customer") }
    }
}
