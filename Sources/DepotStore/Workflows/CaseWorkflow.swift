import DepotCore

extension DepotDatabase {
    /// SPEC.md 6: a closed case keeps no attachments. Deletes their rows (audited) and removes the files after the
    /// commit; returns how many there were.
    private func deleteAttachmentsOfClosedCase(
        _ db: any SQLConnection, _ row: CaseRecord, at: Instant, recordedAt: Instant, actor: ActingUser
    )
        throws
        -> Int
    {
        let attached = try db.rows(
            "SELECT t.id, t.name, t.sha256, t.secure, t.case_id, ? AS number, ? AS customer_id FROM attachment t WHERE t.case_id = ?",
            [row.number.text, row.customerID, row.id], source: "query")
        for attachment in attached {
            try Self.deleteAttachment(db, attachment, reason: "the case is closed", at: at, recordedAt: recordedAt, actor: actor)
        }
        if !attached.isEmpty { try removeUnreferencedContent(afterCommitOf: db) }
        return attached.count
    }

    /// Moves a case on: first response, workaround, resolution or closure (which needs the customer
    /// contact who agreed to it).
    public func advanceCase(
        _ number: CaseNumber, _ action: CaseStateMachine.Action, confirmedBy: String? = nil, note: String? = nil,
        at: Instant, actor: ActingUser
    ) throws(DepotError) {
        try actor.require(.manageCases)
        let recordedAt = now()
        try write { db in
            let row = try FindRecord.supportCase(db, number: number)
            let (caseNumber, status) = (row.number.text, row.status)
            guard var next = CaseStateMachine.next(from: status, by: action) else {
                throw DepotError.illegalTransition(
                    subject: caseNumber, state: status.rawValue, action: action.rawValue,
                    allowed: CaseStateMachine.allowed(from: status).map(\.rawValue))
            }
            try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: row.id), "\(caseNumber)'s last event")
            var text = note?.trimmingSpaces() ?? ""
            if status == .waitingOnCustomer, action != .respond {
                // Leaving the wait (resume, workaround, resolve, close) ends the pause and moves the escalation deadlines.
                let ended = try Pauses.end(db, caseRow: row, at: at, actor: actor, clock: clocks.clock(for: row.region))
                text = ([ended] + (text.isEmpty ? [] : [text])).joined(separator: "; ")
            }
            var assignments = ["status = ?"]
            var confirming: ContactRecord?
            var arguments: [any SQLBindable] = []
            var details = ["from": status.rawValue]
            switch action {
            case .wait:
                guard !text.isEmpty else {
                    throw DepotError.invalidArgument(
                        name: "reason", value: note ?? "", reason: "say what the case waits for from the customer")
                }
                try db.execute(
                    "INSERT INTO case_pause (case_id, reason, started_at, started_by) VALUES (?, ?, ?, ?)",
                    [row.id, text, at.description, actor.user])
            case .resume:
                next = CaseStateMachine.resumed(
                    responded: row.respondedAt != nil, workaround: row.workaroundAt != nil)
            case .respond where status == .waitingOnCustomer && row.respondedAt != nil:
                throw DepotError.illegalTransition(
                    subject: caseNumber, state: status.rawValue, action: action.rawValue,
                    allowed: CaseStateMachine.allowed(from: status).filter { $0 != .respond }.map(\.rawValue))
            case .respond, .workaround:
                if row.respondedAt == nil {
                    assignments.append("responded_at = ?")
                    arguments.append(at.description)
                }
                if action == .workaround {
                    assignments.append("workaround_at = ?")
                    arguments.append(at.description)
                }
            case .resolve:
                assignments.append("resolved_at = ?")
                arguments.append(at.description)
            case .reopen:
                next = CaseStateMachine.resumed(responded: row.respondedAt != nil, workaround: row.workaroundAt != nil)
                assignments.append("resolved_at = NULL")
                let asked = try Self.askedToReopen(db, row, by: confirmedBy)
                details["askedBy"] = asked
                let moved = try reopen(db, row, at: at, actor: actor)
                text = ([moved] + (asked.map { ["asked by \($0)"] } ?? []) + (text.isEmpty ? [] : [text])).joined(separator: "; ")
            case .close:
                let contact = try Self.confirmingContact(db, row, confirmedBy)
                assignments += ["closed_at = ?", "closed_confirmed_by = ?"]
                arguments += [at.description, contact.id]
                (details["confirmedBy"], confirming) = (contact.email, contact)
                let deleted = try deleteAttachmentsOfClosedCase(db, row, at: at, recordedAt: recordedAt, actor: actor)
                details["attachmentsDeleted"] = deleted > 0 ? String(deleted) : nil
            }
            details["to"] = next.rawValue
            try db.execute(
                "UPDATE support_case SET \(assignments.joined(separator: ", ")) WHERE id = ?", [next.rawValue] + arguments + [row.id])
            // SPEC.md 9: once closed (the case counts among its customer's closures of the month), the survey.
            details["survey"] = try confirming.map { try inviteToSurvey(db, row, contact: $0, closedAt: at, recordedAt: recordedAt) }
            if let confirmed = details["confirmedBy"] { text = "confirmed by \(confirmed)" + (text.isEmpty ? "" : "; \(text)") }
            try CaseEvents.add(db, caseID: row.id, at: at, kind: action.eventKind, actor: actor, note: text.isEmpty ? nil : text)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: action.rawValue, entity: "case",
                key: caseNumber, customerID: row.customerID, reason: note, details: details)
        }
    }
}

extension DepotDatabase {
    /// SPEC.md 3: the contact who agreed to close the case, one of its customer's.
    fileprivate static func confirmingContact(_ db: any SQLConnection, _ row: CaseRecord, _ email: String?) throws -> ContactRecord {
        let contact = try FindRecord.contact(db, email: CaseRules.confirmingContact(email))
        try CaseRules.checkConfirmation(by: contact.email, isContactOfCaseCustomer: contact.customerID == row.customerID)
        return contact
    }

    /// SPEC.md 3: the customer's contact asks to reopen; when a contact is named, it must be one of the case's customer's.
    /// Its address, or `nil` when none is named.
    fileprivate static func askedToReopen(_ db: any SQLConnection, _ row: CaseRecord, by email: String?) throws -> String? {
        guard let email = email?.trimmingSpaces() else { return nil }
        // Blank is not "no one": leave it out when no contact asked.
        guard !email.isEmpty else {
            throw DepotError.invalidArgument(name: "--confirmed-by", value: "", reason: "blank: leave it out when no contact asked")
        }
        let contact = try FindRecord.contact(db, email: email)
        try CaseRules.checkConfirmation(by: contact.email, isContactOfCaseCustomer: contact.customerID == row.customerID)
        return contact.email
    }

    /// Checks that a resolved case may be reopened at `at` (SPEC.md 3) and records the time it was resolved as a wait:
    /// resolving stopped every clock, so the pending escalation deadlines move later by it, as on resuming. What moved.
    fileprivate func reopen(_ db: any SQLConnection, _ row: CaseRecord, at: Instant, actor: ActingUser) throws -> String {
        guard let resolved = row.resolvedAt else {
            throw DepotError.unreadableValue(table: "support_case", column: "resolved_at", value: "NULL")
        }
        if let refusal = CaseStateMachine.reopenRefusal(case: row.number.text, resolvedAt: resolved, at: at, days: policy.caseReopenDays) {
            throw refusal
        }
        try db.execute(
            "INSERT INTO case_pause (case_id, reason, started_at, started_by) VALUES (?, ?, ?, ?)",
            [row.id, "resolved until reopened", resolved.description, actor.user])
        return try Pauses.end(db, caseRow: row, at: at, actor: actor, clock: clocks.clock(for: row.region))
    }
}

/// Waiting on the customer: the pause's end moves every escalation deadline that had not passed when the
/// wait began (fired ones stay fired).
extension CaseStateMachine.Action {
    /// What the case's timeline calls the step.
    var eventKind: String {
        switch self {
        case .respond: "responded"
        case .workaround: "workaround"
        case .wait: "waiting"
        case .resume: "resumed"
        case .resolve: "resolved"
        case .close: "closed"
        case .reopen: "reopened"
        }
    }
}

enum Pauses {
    /// Ends the running pause of a case at `at`, moves its pending escalation deadlines and says what moved.
    static func end(_ db: any SQLConnection, caseRow: CaseRecord, at: Instant, actor: ActingUser, clock: BusinessClock) throws -> String {
        let number: String = caseRow.number.text
        guard
            let pause = try db.rows(
                "SELECT id, started_at FROM case_pause WHERE case_id = ? AND ended_at IS NULL", [caseRow.id], source: "query"
            ).first,
            let start = try pause.decodeIfPresent("started_at", from: "case_pause") as Instant?
        else { return "no running pause" }
        guard at >= start else {
            throw DepotError.invalidArgument(name: "--at", value: at.description, reason: "is before \(number) began waiting (\(start))")
        }
        try db.execute(
            "UPDATE case_pause SET ended_at = ?, ended_by = ? WHERE id = ?",
            [at.description, actor.user, try pause.decode("id", from: "case_pause") as Int64])
        var moves: [String] = []
        // Only the part of the wait after the case's clocks started counts (SPEC.md 8: a case opened while its region
        // was closed, without a valid PIN, has its clocks start at the next opening).
        guard let counted = CasePause(start: start, end: at).counted(from: caseRow.clockStart)?.start else {
            return "waited before its clocks started: no deadline moved"
        }
        let pending = try db.fetchAll(
            EscalationRecord.self,
            "SELECT \(EscalationRecord.columns) FROM case_escalation WHERE case_id = ? AND fired_at IS NULL ORDER BY due_at, target",
            [caseRow.id], source: EscalationRecord.table)
        for e in pending {
            guard case .success(let threshold) = ClockDuration.parse(e.threshold) else { continue }
            let due = e.dueAt
            let moved = try clock.moved(due, threshold: threshold, start: counted, end: at)
            guard moved != due else { continue }
            try db.execute("UPDATE case_escalation SET due_at = ? WHERE id = ?", [moved.description, e.id])
            moves.append("\(e.target.rawValue) due \(moved) (was \(due))")
        }
        let waited = DurationText.of(seconds: at.secondsSinceEpoch - start.secondsSinceEpoch)
        return "waited \(waited)" + (moves.isEmpty ? "" : "; " + moves.joined(separator: ", "))
    }
}

/// The timeline of a case.
enum CaseEvents {
    /// The event table's columns, in the order of `values`.
    static let columns = ["case_id", "at", "kind", "actor", "note"]

    static func values(caseID: Int64, at: Instant, kind: String, actor: ActingUser, note: String?) -> [any SQLBindable] {
        [caseID, at.description, kind, actor.user, note]
    }

    static func add(_ db: any SQLConnection, caseID: Int64, at: Instant, kind: String, actor: ActingUser, note: String?) throws {
        try db.insertRowsUnanswered(
            into: "case_event", columns: columns, rows: [values(caseID: caseID, at: at, kind: kind, actor: actor, note: note)])
    }
}
