import DepotCore

/// One escalation that fired.
public struct FiredEscalation: Sendable, Equatable, Encodable {
    public let caseNumber: String
    public let target: EscalationTarget
    public let due: Instant

    enum CodingKeys: String, CodingKey {
        case caseNumber = "case"
        case target, due
    }
}

extension DepotDatabase {
    /// Fires every escalation due by `at` on an unresolved case that has not fired yet (a case waiting on the
    /// customer holds back every deadline that had not passed when the wait began; a case with an event after `at`, a
    /// run dated back, waits for a run dated after it, so its timeline stays in order): records it,
    /// adds it to the case's timeline and queues its notification, all in one transaction. Each fires
    /// once per case and target, however often and however concurrently this runs (the row is claimed
    /// with `fired_at IS NULL` inside an immediate transaction). An escalation whose stored values cannot be read
    /// does not hold back the others: they fire and are committed, then the first unreadable one is the error (the
    /// service logs it every round, `depot escalate` exits 70 naming table and column) until someone repairs it.
    public func escalate(at: Instant, actor: ActingUser) throws(DepotError) -> [FiredEscalation] {
        try actor.require(.escalate)
        try checkEventTime(at, after: nil, "")
        let recordedAt = now()
        let (fired, unreadable) = try write { db in
            let (due, unreadable) = try db.fetchReadable(
                DueEscalation.self,
                """
                SELECT e.id, e.target, e.threshold, e.due_at, c.id AS case_id, c.number, c.status, c.priority, c.tier, c.title,
                       c.customer_id, cu.key AS customer, cu.name AS customer_name, cu.tam
                FROM case_escalation e
                JOIN support_case c ON c.id = e.case_id
                JOIN customer cu ON cu.id = c.customer_id
                WHERE e.fired_at IS NULL AND e.due_at <= ?1 AND c.status NOT IN ('resolved', 'closed')
                  AND NOT EXISTS (SELECT 1 FROM case_event v WHERE v.case_id = c.id AND v.at > ?1)
                  AND NOT EXISTS (SELECT 1 FROM case_pause p WHERE p.case_id = c.id AND p.ended_at IS NULL AND p.started_at < e.due_at)
                ORDER BY e.due_at, c.number, e.target
                """, [at.description], source: "case_escalation")
            var fired: [FiredEscalation] = []
            for row in due {
                let claimed = try db.execute(
                    "UPDATE case_escalation SET fired_at = ? WHERE id = ? AND fired_at IS NULL", [at.description, row.id])
                guard claimed == 1 else { continue }
                let (number, threshold, target, dueAt) = (row.number, row.threshold, row.target, row.dueAt)
                try CaseEvents.add(
                    db, caseID: row.caseID, at: at, kind: "escalated", actor: actor,
                    note: "\(target.rawValue) notified: unresolved \(threshold) after opening (due \(dueAt))")
                try Outbox.notify(
                    db, .escalation(target), name: "escalation", routes: policy.notifications, customerID: row.customerID,
                    subject: number,
                    payload: [
                        "case": number, "rule": target.rawValue, "priority": row.priority.rawValue, "tier": row.tier?.rawValue,
                        "title": row.title, "customer": row.customer, "customerName": row.customerName, "tam": row.tam,
                        "threshold": threshold, "due": dueAt.description,
                    ],
                    key: "escalation:\(number):\(target.rawValue)", at: at)
                try AuditLog.record(
                    db, actor: actor, at: at, recordedAt: recordedAt, action: "escalate", entity: "case", key: number,
                    customerID: row.customerID, details: ["target": target.rawValue, "due": dueAt.description, "threshold": threshold])
                fired.append(FiredEscalation(caseNumber: number, target: target, due: dueAt))
            }
            return (fired, unreadable)
        }
        if let problem = unreadable.first { throw problem }
        return fired
    }
}

/// An escalation whose deadline has passed, with what its notification says of the case.
private struct DueEscalation: RowDecodable {
    let id: Int64
    let target: EscalationTarget
    let threshold: String
    let dueAt: Instant
    let caseID: Int64
    let number: String
    /// Read so that a status Depot does not know (which `NOT IN ('resolved', 'closed')` lets through) is unreadable,
    /// not an unresolved case.
    let status: CaseStatus
    let priority: Priority
    let tier: Tier?
    let title: String
    let customerID: Int64
    let customer: String
    let customerName: String
    let tam: String?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        target = try row("target")
        threshold = try row("threshold")
        dueAt = try row("due_at")
        caseID = try row("case_id")
        number = try row("number")
        status = try row.from("support_case")("status")
        priority = try row("priority")
        tier = try row.optional("tier")
        title = try row("title")
        customerID = try row("customer_id")
        customer = try row("customer")
        customerName = try row("customer_name")
        tam = try row.optional("tam")
    }
}
