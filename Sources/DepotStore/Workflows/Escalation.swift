import DepotCore
import GRDB

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
    /// with `fired_at IS NULL` inside an immediate transaction).
    public func escalate(at: Instant, actor: ActingUser) throws(DepotError) -> [FiredEscalation] {
        try actor.require(.escalate)
        try checkEventTime(at, after: nil, "")
        let recordedAt = now()
        return try write { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.target, e.threshold, e.due_at, c.id AS case_id, c.number, c.priority, c.tier, c.title,
                           c.customer_id, cu.key AS customer, cu.name AS customer_name, cu.tam
                    FROM case_escalation e
                    JOIN support_case c ON c.id = e.case_id
                    JOIN customer cu ON cu.id = c.customer_id
                    WHERE e.fired_at IS NULL AND e.due_at <= ?1 AND c.status NOT IN ('resolved', 'closed')
                      AND NOT EXISTS (SELECT 1 FROM case_event v WHERE v.case_id = c.id AND v.at > ?1)
                      AND NOT EXISTS (SELECT 1 FROM case_pause p WHERE p.case_id = c.id AND p.ended_at IS NULL AND p.started_at < e.due_at)
                    ORDER BY e.due_at, c.number, e.target
                    """,
                arguments: [at.description])
            var fired: [FiredEscalation] = []
            for row in due {
                try db.cachedStatement(sql: "UPDATE case_escalation SET fired_at = ? WHERE id = ? AND fired_at IS NULL")
                    .execute(arguments: [at.description, row["id"]])
                guard db.changesCount == 1, let target = try row.decodeIfPresent("target", from: "case_escalation") as EscalationTarget?,
                    let dueAt = try row.decodeIfPresent("due_at", from: "case_escalation") as Instant?
                else { continue }
                let number: String = row["number"]
                let threshold: String = row["threshold"]
                try CaseEvents.add(
                    db, caseID: row["case_id"], at: at, kind: "escalated", actor: actor,
                    note: "\(target.rawValue) notified: unresolved \(threshold) after opening (due \(dueAt))")
                try Outbox.notify(
                    db, .escalation(target), name: "escalation", routes: policy.notifications, customerID: row["customer_id"],
                    subject: number,
                    payload: [
                        "case": number, "rule": target.rawValue, "priority": row["priority"], "tier": row["tier"], "title": row["title"],
                        "customer": row["customer"], "customerName": row["customer_name"], "tam": row["tam"],
                        "threshold": threshold, "due": dueAt.description,
                    ],
                    key: "escalation:\(number):\(target.rawValue)", at: at)
                try AuditLog.record(
                    db, actor: actor, at: at, recordedAt: recordedAt, action: "escalate", entity: "case", key: number,
                    customerID: row["customer_id"], details: ["target": target.rawValue, "due": dueAt.description, "threshold": threshold])
                fired.append(FiredEscalation(caseNumber: number, target: target, due: dueAt))
            }
            return fired
        }
    }
}
