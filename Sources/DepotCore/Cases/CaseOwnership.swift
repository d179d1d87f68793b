/// SPEC.md 3: who owns a case, a priority changed after the opening, and an escalation the customer asks for.
public enum CaseOwnership {
    /// Why `user` cannot be given case `number` in `status`: a closed case has no more work; the owner must be a Depot
    /// user (`role` nil: there is none of that name) whose role works cases. `nil` when they can.
    public static func assignRefusal(case number: String, status: CaseStatus, to user: String, role: Role?) -> DepotError? {
        if status == .closed { return .refused(subject: number, reason: "is closed: it has no owner to change") }
        guard let role else { return .notFound(kind: "user", key: user) }
        guard role.allows(.manageCases) else {
            return .refused(subject: user, reason: "is \(role.rawValue): only a support engineer or an admin can own a case")
        }
        return nil
    }

    /// Why `user` cannot take case `number`, which `owner` has: taking is for a case nobody has (or one's own);
    /// handing a case over is an assignment. `nil` when they can.
    public static func takeRefusal(case number: String, owner: String?, by user: String) -> DepotError? {
        guard let owner, owner != user else { return nil }
        return .refused(subject: number, reason: "is taken by \(owner); ask them, or assign it with depot case assign --to")
    }
}

/// SPEC.md 3: "priority can be changed later by an engineer with a reason; deadlines are recomputed from the opening".
public enum PriorityChange {
    /// Why case `number` in `status` at `from` cannot be moved to `to` with `reason`; `nil` when it can. A resolved or
    /// closed case's deadlines are final.
    public static func refusal(case number: String, status: CaseStatus, from: Priority, to: Priority, reason: String) -> DepotError? {
        guard status.isUnresolved else {
            return .refused(subject: number, reason: "is \(status.rawValue): its priority and deadlines are final")
        }
        guard from != to else { return .refused(subject: number, reason: "is \(from.rawValue) already") }
        guard !reason.trimmingSpaces().isEmpty else {
            return .invalidArgument(name: "reason", value: reason, reason: "a priority change needs a reason")
        }
        return nil
    }
}

/// The support handbook's escalation by phone (SPEC.md 3): a customer's contact may ask for an escalation at any
/// time; leadership is told at once.
public enum CustomerEscalationRule {
    /// Why the request by `contact` on case `number` in `status` cannot be recorded; `nil` when it can.
    public static func refusal(
        case number: String, status: CaseStatus, contact: String, isContactOfCaseCustomer: Bool, reason: String
    ) -> DepotError? {
        if status == .closed { return .refused(subject: number, reason: "is closed: reopen is not possible, open a new case") }
        guard isContactOfCaseCustomer else { return .refused(subject: contact, reason: "is not a contact of this case's customer") }
        guard !reason.trimmingSpaces().isEmpty else {
            return .invalidArgument(name: "reason", value: reason, reason: "say why the customer asks for the escalation")
        }
        return nil
    }
}
