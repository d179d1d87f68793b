import DepotCore

/// What a support engineer enters to open a case.
public struct NewCase: Sendable {
    public var customer: String
    public var contact: String
    public var type: CaseType
    public var serial: Serial?
    public var impact: Level
    public var urgency: Level
    public var title: String
    public var description: String
    /// The engineer's priority when it differs from the suggestion; needs `priorityReason`.
    public var priority: Priority?
    public var priorityReason: String?
    /// The product version the fault is seen on; defaults to the unit's installed version.
    public var productVersion: String?

    /// Creates a request.
    public init(
        customer: String, contact: String, type: CaseType, serial: Serial? = nil, impact: Level, urgency: Level,
        title: String, description: String = "", priority: Priority? = nil, priorityReason: String? = nil,
        productVersion: String? = nil
    ) {
        self.customer = customer
        self.contact = contact
        self.type = type
        self.serial = serial
        self.impact = impact
        self.urgency = urgency
        self.title = title
        self.description = description
        self.priority = priority
        self.priorityReason = priorityReason
        self.productVersion = productVersion
    }
}

extension DepotDatabase {
    /// Opens a case at `at` and returns its number. The response and escalation deadlines of the
    /// policy in force are stored with it. A P1 needs a designated contact under an active contract.
    public func openCase(_ request: NewCase, at: Instant, actor: ActingUser) throws(DepotError) -> CaseNumber {
        try actor.require(.manageCases)
        let title = try SingleLine.check(request.title, field: "--title", maxLength: SingleLine.titleLength)
        guard !title.isEmpty else { throw .invalidArgument(name: "--title", value: request.title, reason: "a case needs a title") }
        if let reason = request.priorityReason { _ = try SingleLine.check(reason, field: "--reason", maxLength: SingleLine.reasonLength) }
        let recordedAt = now()
        try checkEventTime(at, after: nil, "")
        return try write { db in
            let parties = try FindRecord.caseParties(db, customerKey: request.customer, contactEmail: request.contact)
            let (customer, contact) = (parties.customer, parties.contact)
            let customerID = customer.id
            let customerKey = customer.key
            let contactEmail = contact.email
            guard contact.customerID == customerID else {
                throw DepotError.refused(subject: contactEmail, reason: "is not a contact of customer \"\(customerKey)\"")
            }
            let unit = try Self.reportedUnit(db, request, customerID: customerID, customerKey: customerKey)

            // The unit's site's region, else the customer's (read with the customer).
            let regionID = try FindRecord.region(db, siteID: unit?.siteID, customerID: nil) ?? customer.region
            let region = try policy.region(regionID)
            let clock = try clocks.clock(for: regionID)
            let openingDay = region.localDate(of: at)
            if let unit, openingDay < unit.shipDate {
                throw DepotError.invalidArgument(
                    name: "--at", value: at.description,
                    reason: "is before unit \(unit.serial) shipped (\(unit.shipDate)): a case cannot predate its unit")
            }
            let tier = parties.activeTier(on: openingDay)

            let (priority, suggested, reason) = try Self.priority(of: request)
            if priority == .p1,
                let refusal = CaseRules.p1Refusal(
                    contact: contactEmail, designated: contact.designated, customer: customerKey, activeTier: tier, on: openingDay)
            {
                throw refusal
            }
            if let given = request.productVersion { try Self.checkKnownRelease(db, given) }
            let deadlines = try policy.slas.deadlines(tier: tier, priority: priority, opened: at, clock: clock)
            let version = request.productVersion?.trimmingSpaces() ?? unit?.softwareVersion
            let columns = [
                "customer_id", "contact_id", "appliance_id", "type", "title", "description", "product_version", "impact", "urgency",
                "suggested_priority", "priority", "priority_reason", "status", "tier", "region", "opened_at", "response_due",
                "response_threshold", "opened_by",
            ]
            let values: [any SQLBindable] = [
                customerID, contact.id, unit?.id, request.type.rawValue, title, request.description, version, request.impact.rawValue,
                request.urgency.rawValue, suggested.rawValue, priority.rawValue, reason?.isEmpty == false ? reason : nil,
                CaseStatus.open.rawValue, tier?.rawValue, regionID, at.description, deadlines.response?.description,
                deadlines.responseThreshold?.description, actor.user,
            ]
            let (caseID, number) = try Self.insertCase(db, year: at.utcDate.year, columns: columns, values: values)
            try Self.insertEscalations(db, caseID: caseID, deadlines.escalations)
            var note = "\(priority.rawValue) \(request.type.rawValue) from \(contactEmail)"
            if let unit, request.type == .hardwareFault {
                if unit.status == .inService {
                    try db.execute(
                        "UPDATE appliance SET status = 'suspect', moved_at = ? WHERE id = ?",
                        [at.description, unit.id])
                    note += "; unit \(unit.serial) is now suspect"
                }
            }
            try CaseEvents.add(db, caseID: caseID, at: at, kind: "opened", actor: actor, note: note)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "open", entity: "case", key: number.text, customerID: customerID,
                reason: reason,
                details: [
                    "customer": customerKey, "priority": priority.rawValue, "suggested": suggested.rawValue,
                    "tier": tier?.rawValue ?? "none", "serial": unit?.serial.text ?? "",
                ])
            return number
        }
    }

    /// The case's priority (the engineer's, else the one impact and urgency suggest), the suggestion and the reason
    /// for a difference (SPEC.md 3); a priority other than the suggestion without a reason is refused.
    private static func priority(of request: NewCase) throws(DepotError) -> (priority: Priority, suggested: Priority, reason: String?) {
        let suggested = Priority.suggested(impact: request.impact, urgency: request.urgency)
        let priority = request.priority ?? suggested
        let reason = request.priorityReason?.trimmingSpaces()
        if priority != suggested && (reason ?? "").isEmpty {
            throw .invalidArgument(
                name: "--reason", value: "",
                reason:
                    "priority \(priority.rawValue) differs from the suggested \(suggested.rawValue) (impact \(request.impact.rawValue), urgency \(request.urgency.rawValue)); say why"
            )
        }
        return (priority, suggested, reason)
    }

    /// Numbers and inserts a case: on PostgreSQL in one statement (the counter's answer was a round trip of its own),
    /// on SQLite the counter, then the insert.
    private static func insertCase(_ db: any SQLConnection, year: Int, columns: [String], values: [any SQLBindable]) throws -> (
        id: Int64, number: CaseNumber
    ) {
        if db.dialect == .postgres {
            return try Counters.insertNumbered(db, year: year, table: "support_case", columns: columns, values: values)
        }
        let number: CaseNumber = try Counters.next(db, year: year)
        let placeholders = Array(repeating: "?", count: columns.count + 1).joined(separator: ", ")
        let id = try db.insert(
            "INSERT INTO support_case (number, \(columns.joined(separator: ", "))) VALUES (\(placeholders))", [number.text] + values)
        return (id, number)
    }

    /// Stores a new case's escalation deadlines.
    private static func insertEscalations(_ db: any SQLConnection, caseID: Int64, _ escalations: [EscalationDeadline]) throws {
        for escalation in escalations {
            try db.executeUnanswered(
                "INSERT INTO case_escalation (case_id, target, threshold, due_at) VALUES (?, ?, ?, ?)",
                [caseID, escalation.target.rawValue, escalation.threshold.description, escalation.at.description])
        }
    }

    /// The unit a case is about: one of the customer's; for a hardware fault it is required and must be at the
    /// customer (SPEC.md 3).
    private static func reportedUnit(
        _ db: any SQLConnection, _ request: NewCase, customerID: Int64, customerKey: String
    ) throws -> ApplianceRecord? {
        guard let serial = request.serial else {
            if request.type == .hardwareFault {
                throw DepotError.invalidArgument(name: "--serial", value: "", reason: "a hardware-fault case names the faulty unit")
            }
            return nil
        }
        let unit = try FindRecord.appliance(db, serial: serial)
        guard unit.customerID == customerID else {
            throw DepotError.refused(subject: unit.serial.text, reason: "is not a unit of customer \"\(customerKey)\"")
        }
        if request.type == .hardwareFault, !unit.status.isAtCustomer {
            throw DepotError.refused(
                subject: unit.serial.text,
                reason: "is \(unit.status.rawValue), not in service at the customer: a hardware fault is reported on a unit in service")
        }
        return unit
    }

    /// A case's product version is one of the imported releases.
    private static func checkKnownRelease(_ db: any SQLConnection, _ given: String) throws {
        let known = try db.values(String.self, "SELECT version FROM release ORDER BY released_on, version")
        guard known.contains(given.trimmingSpaces()) else {
            throw DepotError.invalidArgument(
                name: "--product-version", value: given,
                reason: known.isEmpty
                    ? "no software releases are imported yet (depot import releases)"
                    : "is not a known release (known: \(known.joined(separator: ", ")))")
        }
    }

    /// SPEC.md 6: a closed case keeps no attachments. Deletes their rows (audited) and removes the files after the
    /// commit; returns how many there were.
    private func deleteAttachmentsOfClosedCase(
        _ db: any SQLConnection, _ row: CaseRecord, at: Instant, recordedAt: Instant, actor: ActingUser
    )
        throws
        -> Int
    {
        let attached = try db.rows(
            "SELECT t.id, t.name, t.sha256, t.case_id, ? AS number, ? AS customer_id FROM attachment t WHERE t.case_id = ?",
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
            let caseNumber: String = row.number.text
            let status = row.status
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
                let moved = try reopen(db, row, at: at, actor: actor)
                text = ([moved] + (text.isEmpty ? [] : [text])).joined(separator: "; ")
            case .close:
                let contact = try FindRecord.contact(db, email: CaseRules.confirmingContact(confirmedBy))
                try CaseRules.checkConfirmation(
                    by: contact.email, isContactOfCaseCustomer: contact.customerID == row.customerID)
                assignments += ["closed_at = ?", "closed_confirmed_by = ?"]
                arguments += [at.description, contact.id]
                details["confirmedBy"] = contact.email
                let deleted = try deleteAttachmentsOfClosedCase(db, row, at: at, recordedAt: recordedAt, actor: actor)
                if deleted > 0 { details["attachmentsDeleted"] = String(deleted) }
            }
            details["to"] = next.rawValue
            try db.execute(
                "UPDATE support_case SET \(assignments.joined(separator: ", ")) WHERE id = ?", [next.rawValue] + arguments + [row.id])
            if let confirmed = details["confirmedBy"] { text = "confirmed by \(confirmed)" + (text.isEmpty ? "" : "; \(text)") }
            try CaseEvents.add(db, caseID: row.id, at: at, kind: action.eventKind, actor: actor, note: text.isEmpty ? nil : text)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: action.rawValue, entity: "case",
                key: caseNumber, customerID: row.customerID, reason: note, details: details)
        }
    }
}

extension DepotDatabase {
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
        let pending = try db.fetchAll(
            EscalationRecord.self,
            "SELECT \(EscalationRecord.columns) FROM case_escalation WHERE case_id = ? AND fired_at IS NULL ORDER BY due_at, target",
            [caseRow.id], source: EscalationRecord.table)
        for e in pending {
            guard case .success(let threshold) = ClockDuration.parse(e.threshold) else { continue }
            let due = e.dueAt
            let moved = try clock.moved(due, threshold: threshold, start: start, end: at)
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
    static func add(_ db: any SQLConnection, caseID: Int64, at: Instant, kind: String, actor: ActingUser, note: String?) throws {
        try db.executeUnanswered(
            "INSERT INTO case_event (case_id, at, kind, actor, note) VALUES (?, ?, ?, ?, ?)",
            [caseID, at.description, kind, actor.user, note])
    }
}
