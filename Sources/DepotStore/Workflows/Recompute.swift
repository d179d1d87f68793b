import DepotCore

/// One deadline `depot case recompute` changed.
public struct DeadlineChange: Sendable, Equatable, Encodable {
    public let caseNumber: String
    /// `response`, or `escalation leadership` / `escalation tam`.
    public let deadline: String
    /// The stored deadline before (`nil`: there was none).
    @NullEncodable public private(set) var was: Instant?
    /// The deadline now (`nil`: the policy has none any more).
    @NullEncodable public private(set) var now: Instant?

    public init(caseNumber: String, deadline: String, was: Instant?, now: Instant?) {
        self.caseNumber = caseNumber
        self.deadline = deadline
        self.was = was
        self.now = now
    }

    enum CodingKeys: String, CodingKey {
        case caseNumber = "case"
        case deadline, was, now
    }
}

extension DepotDatabase {
    /// Recomputes the deadlines of one unresolved case (or of all, with `nil`) under the policy in force: the
    /// response deadline until the first response, and every escalation that has not fired, from the opening
    /// with the case's finished waits left out (a running wait moves them when it ends). Escalations the policy
    /// added are created and ones it dropped removed. Every change is audited and added to the case's timeline;
    /// returns the changes (none when the stored deadlines are already the policy's).
    public func recomputeDeadlines(_ number: CaseNumber?, at: Instant, actor: ActingUser) throws(DepotError) -> [DeadlineChange] {
        try actor.require(.manageCases)
        try checkEventTime(at, after: nil, "")
        let recordedAt = now()
        let policy = policy
        return try write { db in
            let cases: [CaseRecord]
            if let number {
                let row = try FindRecord.supportCase(db, number: number)
                guard row.status.isUnresolved else {
                    throw DepotError.refused(subject: row.number.text, reason: "is \(row.status.rawValue): its deadlines are final")
                }
                cases = [row]
            } else {
                cases = try db.fetchAll(
                    CaseRecord.self,
                    "SELECT \(CaseRecord.columns) FROM support_case WHERE status NOT IN ('resolved', 'closed') ORDER BY id",
                    source: CaseRecord.table)
            }
            var changes: [DeadlineChange] = []
            for row in cases {
                try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: row.id), "\(row.number.text)'s last event")
                let caseChanges = try recompute(db, row, policy: policy)
                guard !caseChanges.isEmpty else { continue }
                let number: String = row.number.text
                for change in caseChanges {
                    try AuditLog.record(
                        db, actor: actor, at: at, recordedAt: recordedAt, action: "recompute", entity: "case", key: number,
                        customerID: row.customerID, reason: "policy \(policy.source)",
                        details: [
                            "deadline": change.deadline, "was": change.was?.description ?? "none", "now": change.now?.description ?? "none",
                        ])
                }
                let note = caseChanges.map { "\($0.deadline) \($0.was?.description ?? "none") -> \($0.now?.description ?? "none")" }
                    .joined(separator: "; ")
                try CaseEvents.add(
                    db, caseID: row.id, at: at, kind: "recomputed", actor: actor, note: "under policy \(policy.source): \(note)")
                changes += caseChanges
            }
            return changes
        }
    }

    func recompute(_ db: any SQLConnection, _ row: CaseRecord, policy: Policy) throws -> [DeadlineChange] {
        let number = row.number
        let caseID = row.id
        // From when its clocks start (the region's next opening for an after-hours case without a valid PIN), in
        // wall-clock time for one with it (SPEC.md 8).
        let (opened, priority) = (row.clockStart, row.priority)
        let clock = try clocks.clock(for: row.region)
        let deadlines = try policy.slas.deadlines(
            type: row.type, tier: row.tier, priority: priority, opened: opened, clock: clock, wallClock: row.afterHours?.wallClock ?? false)
        let ended = try db.rows(
            "SELECT started_at, ended_at FROM case_pause WHERE case_id = ? AND ended_at IS NOT NULL ORDER BY started_at", [caseID],
            source: "query"
        )
        .map { p throws(DepotError) in
            CasePause(start: try p.decode("started_at", from: "case_pause"), end: try p.decodeIfPresent("ended_at", from: "case_pause"))
        }
        // Only what was waited after the clocks started counts (SPEC.md 8).
        .compactMap { $0.counted(from: opened) }
        var changes: [DeadlineChange] = []

        if row.respondedAt == nil {
            let was = row.responseDue
            if was != deadlines.response || row.responseThreshold != deadlines.responseThreshold?.description {
                try db.execute(
                    "UPDATE support_case SET response_due = ?, response_threshold = ? WHERE id = ?",
                    [deadlines.response?.description, deadlines.responseThreshold?.description, caseID])
                if was != deadlines.response {
                    changes.append(DeadlineChange(caseNumber: number.text, deadline: "response", was: was, now: deadlines.response))
                }
            }
        }

        let stored = try db.fetchAll(
            EscalationRecord.self, "SELECT \(EscalationRecord.columns) FROM case_escalation WHERE case_id = ?", [caseID],
            source: EscalationRecord.table)
        for target in EscalationTarget.allCases {
            let existing = stored.first { $0.target == target }
            if existing?.firedAt != nil { continue }  // fired stays fired
            let name = "escalation \(target.rawValue)"
            let was = existing?.dueAt
            guard let rule = deadlines.escalations.first(where: { $0.target == target }) else {
                if let existing {
                    try db.execute("DELETE FROM case_escalation WHERE id = ?", [existing.id])
                    changes.append(DeadlineChange(caseNumber: number.text, deadline: name, was: was, now: nil))
                }
                continue
            }
            let due = try clock.escalationDeadline(rule.threshold, opened: opened, pauses: ended) ?? rule.at
            if let existing {
                guard was != due || existing.threshold != rule.threshold.description else { continue }
                try db.execute(
                    "UPDATE case_escalation SET threshold = ?, due_at = ? WHERE id = ?",
                    [rule.threshold.description, due.description, existing.id])
            } else {
                try db.execute(
                    "INSERT INTO case_escalation (case_id, target, threshold, due_at) VALUES (?, ?, ?, ?)",
                    [caseID, target.rawValue, rule.threshold.description, due.description])
            }
            if was != due { changes.append(DeadlineChange(caseNumber: number.text, deadline: name, was: was, now: due)) }
        }
        return changes
    }
}
