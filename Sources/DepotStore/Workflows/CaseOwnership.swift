import DepotCore

/// What `depot case assign` (or take) did.
public struct CaseAssignment: Sendable, Encodable, Equatable {
    public let caseNumber: String
    public let owner: String
    /// The owner before; `nil`: unassigned.
    @NullEncodable public private(set) var was: String?
    /// Whether anything changed (assigning a case to its owner changes nothing and records nothing).
    public let changed: Bool

    enum CodingKeys: String, CodingKey {
        case caseNumber = "case"
        case owner, was, changed
    }
}

/// What `depot case priority` did: the priorities and the deadlines it moved.
public struct PriorityChangeResult: Sendable, Encodable {
    public let caseNumber: String
    public let was: Priority
    public let priority: Priority
    public let deadlines: [DeadlineChange]

    enum CodingKeys: String, CodingKey {
        case caseNumber = "case"
        case was, priority, deadlines
    }
}

/// An escalation a customer's contact asked for, as recorded.
public struct CustomerEscalation: Sendable, Encodable, Equatable {
    public let caseNumber: String
    public let requestedBy: String
    public let reason: String
    public let at: Instant
    public let recordedBy: String

    enum CodingKeys: String, CodingKey {
        case caseNumber = "case"
        case requestedBy, reason, at, recordedBy
    }
}

extension DepotDatabase {
    /// Gives case `number` to `user` (SPEC.md 3: "a case has an owner"). With `onlyIfFree` (taking it), a case someone
    /// else has is refused, so that two engineers taking one case at once cannot both believe they have it. Audited and
    /// on the timeline; giving a case to its owner changes nothing.
    public func assignCase(_ number: CaseNumber, to user: String, onlyIfFree: Bool = false, at: Instant, actor: ActingUser)
        throws(DepotError) -> CaseAssignment
    {
        try actor.require(.manageCases)
        let user = user.trimmingSpaces()
        let recordedAt = now()
        return try write { db in
            let row = try FindRecord.supportCase(db, number: number)
            let role: Role? = try db.rows("SELECT role FROM app_user WHERE name = ?", [user], source: "app_user").first
                .map { r throws(DepotError) in try r("role") }
            if let refusal = CaseOwnership.assignRefusal(case: number.text, status: row.status, to: user, role: role) { throw refusal }
            if onlyIfFree, let refusal = CaseOwnership.takeRefusal(case: number.text, owner: row.owner, by: user) { throw refusal }
            guard row.owner != user else { return CaseAssignment(caseNumber: number.text, owner: user, was: user, changed: false) }
            try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: row.id), "\(number.text)'s last event")
            // Compare-and-set: the owner read above is still the owner, else another request came first.
            let changed = try db.execute(
                "UPDATE support_case SET owner = ? WHERE id = ? AND owner IS NOT DISTINCT FROM ?", [user, row.id, row.owner])
            guard changed == 1 else { throw DepotError.refused(subject: number.text, reason: "changed owner meanwhile; look again") }
            let note = row.owner.map { "to \(user) (was \($0))" } ?? "to \(user)"
            try CaseEvents.add(db, caseID: row.id, at: at, kind: onlyIfFree ? "taken" : "assigned", actor: actor, note: note)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: onlyIfFree ? "take" : "assign", entity: "case",
                key: number.text, customerID: row.customerID, details: ["owner": user, "was": row.owner ?? ""])
            return CaseAssignment(caseNumber: number.text, owner: user, was: row.owner, changed: true)
        }
    }

    /// Changes an unresolved case's priority with a reason (SPEC.md 3) and recomputes its deadlines from the opening
    /// under the new priority: the response deadline until the first response, and every escalation not yet fired. A
    /// P1 needs a designated, certified contact under an active contract, as on opening.
    public func changePriority(_ number: CaseNumber, to priority: Priority, reason: String, at: Instant, actor: ActingUser)
        throws(DepotError) -> PriorityChangeResult
    {
        try actor.require(.manageCases)
        let reason = try SingleLine.check(reason, field: "reason", maxLength: SingleLine.reasonLength)
        let recordedAt = now()
        let policy = policy
        return try write { db in
            let row = try FindRecord.supportCase(db, number: number)
            if let refusal = PriorityChange.refusal(case: number.text, status: row.status, from: row.priority, to: priority, reason: reason)
            {
                throw refusal
            }
            try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: row.id), "\(number.text)'s last event")
            if priority == .p1 {
                let contact = try ContactRecord.find(db, "id", row.contactID)
                let customer: String = try FindRecord.key(db, table: "customer", id: row.customerID) ?? ""
                if let contact,
                    let refusal = CaseRules.p1Refusal(
                        contact: contact.email, designated: contact.designated, certified: contact.certified, customer: customer,
                        activeTier: row.tier, on: policy.day(of: at, region: row.region))
                {
                    throw refusal
                }
            }
            try db.execute("UPDATE support_case SET priority = ?, priority_reason = ? WHERE id = ?", [priority.rawValue, reason, row.id])
            let changes = try recompute(db, try FindRecord.supportCase(db, number: number), policy: policy)
            let moved = changes.map { "\($0.deadline) \($0.was?.description ?? "none") -> \($0.now?.description ?? "none")" }
            let note = (["\(row.priority.rawValue) -> \(priority.rawValue): \(reason)"] + moved).joined(separator: "; ")
            try CaseEvents.add(db, caseID: row.id, at: at, kind: "priority", actor: actor, note: note)
            var details = ["from": row.priority.rawValue, "to": priority.rawValue]
            for change in changes { details[change.deadline] = change.now?.description ?? "none" }
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "priority", entity: "case", key: number.text,
                customerID: row.customerID, reason: reason, details: details)
            return PriorityChangeResult(caseNumber: number.text, was: row.priority, priority: priority, deadlines: changes)
        }
    }

    /// Records that the customer's contact `requestedBy` asked for an escalation of case `number` (the handbook's
    /// escalation by phone) and tells leadership at once, through the `customer-escalation` notification.
    public func recordCustomerEscalation(
        _ number: CaseNumber, requestedBy email: String, reason: String, at: Instant, actor: ActingUser
    ) throws(DepotError) -> CustomerEscalation {
        try actor.require(.manageCases)
        let reason = try SingleLine.check(reason, field: "reason", maxLength: SingleLine.reasonLength)
        let recordedAt = now()
        let policy = policy
        return try write { db in
            let row = try FindRecord.supportCase(db, number: number)
            let contact = try FindRecord.contact(db, email: email)
            if let refusal = CustomerEscalationRule.refusal(
                case: number.text, status: row.status, contact: contact.email,
                isContactOfCaseCustomer: contact.customerID == row.customerID,
                reason: reason)
            {
                throw refusal
            }
            try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: row.id), "\(number.text)'s last event")
            let id = try db.insert(
                "INSERT INTO customer_escalation (case_id, contact_id, reason, at, recorded_by) VALUES (?, ?, ?, ?, ?)",
                [row.id, contact.id, reason, at.description, actor.user])
            try CaseEvents.add(
                db, caseID: row.id, at: at, kind: "customer-escalation", actor: actor, note: "asked by \(contact.email): \(reason)")
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "customer-escalation", entity: "case", key: number.text,
                customerID: row.customerID, reason: reason, details: ["requestedBy": contact.email])
            try Outbox.notify(
                db, .customerEscalation, routes: policy.notifications, customerID: row.customerID, subject: number.text,
                payload: [
                    "case": number.text, "customer": try FindRecord.key(db, table: "customer", id: row.customerID),
                    "requestedBy": contact.email, "contactName": contact.name, "reason": reason, "priority": row.priority.rawValue,
                    "status": row.status.rawValue, "tier": row.tier?.rawValue, "owner": row.owner,
                ],
                key: "customer-escalation:\(number.text):\(id)", at: at, queuedAt: recordedAt)
            return CustomerEscalation(caseNumber: number.text, requestedBy: contact.email, reason: reason, at: at, recordedBy: actor.user)
        }
    }
}
