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
    public var softwareVersion: String?
    /// The customer's after-hours PIN as the caller gave it, checked (`checkPIN`) before the case's transaction.
    public var pin: PINCheck = .none

    /// Creates a request.
    public init(
        customer: String, contact: String, type: CaseType, serial: Serial? = nil, impact: Level, urgency: Level,
        title: String, description: String = "", priority: Priority? = nil, priorityReason: String? = nil,
        softwareVersion: String? = nil
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
        self.softwareVersion = softwareVersion
    }
}

/// A case to open, with what was checked before its transaction: who asks, the title, the reason and the time.
struct CaseOpening: Sendable {
    let request: NewCase
    let title: String
    let at: Instant
    let recordedAt: Instant
    let actor: ActingUser
    /// The API request's Idempotency-Key and how its answer is made from the case's number, when it has a key.
    var once: KeyedOpening?
}

/// An API request to open a case with an `Idempotency-Key`.
struct KeyedOpening: Sendable {
    let request: IdempotentRequest
    let respond: @Sendable (OpenedCase) throws -> RecordedResponse
}

/// A case decided in its group's transaction, ready to be numbered and written with the group's others.
private struct DecidedCase {
    let opening: CaseOpening
    /// The values of `DecidedCase.columns`, in order.
    let values: [any SQLBindable]
    let customerID: Int64
    let customerKey: String
    let escalations: [EscalationDeadline]
    let note: String
    let reason: String?
    let audit: [String: String]
    /// The notifications its opening raises (a custom-development request to professional services), each with
    /// its payload; the case's number is added once it has one.
    let notices: [(event: NotifiedEvent, payload: [String: String?])]
    /// How an opening outside the region's hours went, and when the clocks start when not at the opening.
    let afterHours: AfterHoursOpening?
    let clocksFrom: Instant?
    /// The caller gave a wrong PIN: it counts against the customer's limit and is audited.
    let wrongPIN: Bool

    static let columns = [
        "customer_id", "contact_id", "appliance_id", "type", "title", "description", "product_version", "impact", "urgency",
        "suggested_priority", "priority", "priority_reason", "status", "tier", "region", "opened_at", "response_due",
        "response_threshold", "opened_by", "unsupported_version", "after_hours", "clocks_from",
    ]
}

extension DepotDatabase {
    /// Opens a case at `at` and returns its number. The response and escalation deadlines of the
    /// policy in force are stored with it. A P1 needs a designated, certified contact under an active contract.
    public func openCase(_ request: NewCase, at: Instant, actor: ActingUser) throws(DepotError) -> CaseNumber {
        let opening = try caseOpening(request, at: at, actor: actor)
        return try write { db in try openCases(db, [opening])[0].get().number }
    }

    /// Opens a case as `openCase` does, in the server's next group commit: the group's cases are decided one by one,
    /// then numbered with one change of the counter and written with one statement per table.
    public func openCaseGrouped(_ request: NewCase, at: Instant, actor: ActingUser) async throws -> OpenedCase {
        let opening = try caseOpening(request, at: at, actor: actor)
        guard case .opened(let opened, _) = try await groups.openCase(self, opening) else {
            throw DepotError.storage(path: path, message: "a case without an Idempotency-Key was answered as a retry")
        }
        return opened
    }

    /// Opens a case in the server's next group commit at most once per user and Idempotency-Key, as `once` runs a
    /// request: a retry gets the first answer (`respond` made it from the case's number) and opens nothing.
    public func openCaseGrouped(
        _ request: NewCase, at: Instant, actor: ActingUser, once asked: IdempotentRequest,
        respond: @escaping @Sendable (OpenedCase) throws -> RecordedResponse
    ) async throws -> IdempotentOutcome {
        var opening: CaseOpening
        do {
            opening = try caseOpening(request, at: at, actor: actor)
        } catch {
            // As every keyed request: the key's first answer (or a mismatch) comes before this request's refusal.
            return try await once(asked, at: at) { throw error }
        }
        opening.once = KeyedOpening(request: asked, respond: respond)
        switch try await groups.openCase(self, opening) {
        case .opened(_, let answer?): return .answered(answer)
        case .opened(let opened, nil): return .answered(try respond(opened))
        case .earlier(let outcome): return outcome
        }
    }

    /// The checks a new case passes before its transaction: the user's role, the title, the reason and the time.
    func caseOpening(_ request: NewCase, at: Instant, actor: ActingUser) throws(DepotError) -> CaseOpening {
        try actor.require(.manageCases)
        let title = try SingleLine.check(request.title, field: "--title", maxLength: SingleLine.titleLength)
        guard !title.isEmpty else { throw .invalidArgument(name: "--title", value: request.title, reason: "a case needs a title") }
        if let reason = request.priorityReason { _ = try SingleLine.check(reason, field: "--reason", maxLength: SingleLine.reasonLength) }
        let recordedAt = now()
        try checkEventTime(at, after: nil, "")
        return CaseOpening(request: request, title: title, at: at, recordedAt: recordedAt, actor: actor)
    }

    /// Opens `openings` in the caller's transaction, in their order: each is decided on its own (a refusal is its
    /// result and writes nothing; a hardware fault's unit becomes suspect at once, so a later case of the group sees
    /// it), then the accepted ones are numbered in order and written together. An error of the store is thrown: the
    /// caller rolls back and may open them one by one.
    func openCases(_ db: any SQLConnection, _ openings: [CaseOpening]) throws -> [Result<OpenedCase, DepotError>] {
        let parties = try FindRecord.caseParties(db, openings.map { ($0.request.customer, $0.request.contact) })
        var releases: [Release]?
        var decided: [Result<DecidedCase, DepotError>] = []
        for (opening, parties) in zip(openings, parties) {
            do {
                decided.append(.success(try decide(db, opening, try parties.get(), releases: &releases)))
            } catch let error as DepotError {
                decided.append(.failure(error))
            }
        }
        var numbers = try write(db, decided.compactMap { try? $0.get() }).makeIterator()
        return decided.map { result in
            result.flatMap { decided in
                guard let number = numbers.next() else { return .failure(.storage(path: "support_case", message: "a case got no number")) }
                return .success(
                    OpenedCase(number: number, afterHours: decided.afterHours, clocksFrom: decided.clocksFrom ?? decided.opening.at))
            }
        }
    }

    /// Decides one case of a group: the parties, the unit, the region's clock, the tier on the opening day, the
    /// priority and its deadlines (SPEC.md 3).
    private func decide(_ db: any SQLConnection, _ opening: CaseOpening, _ parties: CaseParties, releases: inout [Release]?) throws
        -> DecidedCase
    {
        let (request, at) = (opening.request, opening.at)
        let (customer, contact) = (parties.customer, parties.contact)
        guard contact.customerID == customer.id else {
            throw DepotError.refused(subject: contact.email, reason: "is not a contact of customer \"\(customer.key)\"")
        }
        let unit = try Self.reportedUnit(db, request, customerID: customer.id, customerKey: customer.key)
        // The unit's site's region, else the customer's (read with the customer).
        let regionID = try FindRecord.region(db, siteID: unit?.siteID, customerID: nil) ?? customer.region
        let clock = try clocks.clock(for: regionID)
        let openingDay = try policy.region(regionID).localDate(of: at)
        if let unit, openingDay < unit.shipDate {
            throw DepotError.invalidArgument(
                name: "--at", value: at.description,
                reason: "is before unit \(unit.serial) shipped (\(unit.shipDate)): a case cannot predate its unit")
        }
        let tier = parties.activeTier(on: openingDay)
        if let refusal = CaseRules.contractRefusal(type: request.type, customer: customer.key, activeTier: tier, on: openingDay) {
            throw refusal
        }
        let (priority, suggested, reason) = try Self.priority(of: request)
        if priority == .p1,
            let refusal = CaseRules.p1Refusal(
                contact: contact.email, designated: contact.designated, certified: contact.certified, customer: customer.key,
                activeTier: tier, on: openingDay)
        {
            throw refusal
        }
        let version = request.softwareVersion?.trimmingSpaces() ?? unit?.softwareVersion
        if version != nil, releases == nil { releases = try Self.releases(db) }
        if let given = request.softwareVersion { try Self.checkKnownRelease(given, known: (releases ?? []).map(\.version.description)) }
        let unsupported = unsupportedVersion(version, releases: releases ?? [], on: openingDay)
        // SPEC.md 8: outside the region's hours a round-the-clock tier's case runs in wall-clock time with a valid PIN,
        // and from the region's next opening without one.
        let (afterHours, clocksFrom) = try afterHoursOpening(
            db, pin: request.pin, type: request.type, customerID: customer.id, tier: tier, at: at, recordedAt: opening.recordedAt,
            clock: clock)
        let deadlines = try policy.slas.deadlines(
            type: request.type, tier: tier, priority: priority, opened: clocksFrom ?? at, clock: clock, wallClock: afterHours == .pin)
        var note = "\(priority.rawValue) \(request.type.rawValue) from \(contact.email)"
        if let unit, request.type == .hardwareFault, unit.status == .inService {
            try db.execute("UPDATE appliance SET status = 'suspect', moved_at = ? WHERE id = ?", [at.description, unit.id])
            note += "; unit \(unit.serial) is now suspect"
        }
        let values: [any SQLBindable] = [
            customer.id, contact.id, unit?.id, request.type.rawValue, opening.title, request.description,
            version, request.impact.rawValue, request.urgency.rawValue,
            suggested.rawValue, priority.rawValue, reason?.isEmpty == false ? reason : nil, CaseStatus.open.rawValue, tier?.rawValue,
            regionID, at.description, deadlines.response?.description, deadlines.responseThreshold?.description, opening.actor.user,
            unsupported, afterHours?.rawValue, clocksFrom?.description,
        ]
        var audit = [
            "customer": customer.key, "priority": priority.rawValue, "suggested": suggested.rawValue, "tier": tier?.rawValue ?? "none",
            "serial": unit?.serial.text ?? "",
        ]
        if let afterHours { audit["afterHours"] = afterHours.rawValue }
        // SPEC.md 8: the on-call engineer hears of an after-hours case at once; SPEC.md 3: custom development is
        // referred to professional services.
        let about: [String: String?] = [
            "customer": customer.key, "customerName": customer.name, "contact": contact.email, "title": opening.title, "region": regionID,
        ]
        var notices: [(event: NotifiedEvent, payload: [String: String?])] = []
        if afterHours == .pin {
            let due = ["priority": priority.rawValue, "tier": tier?.rawValue, "responseDue": deadlines.response?.description]
            notices.append((.afterHours, about.merging(due.merging(["serial": unit?.serial.text]) { $1 }) { $1 }))
        }
        if request.type == .customDevelopment {
            notices.append((.customDevelopment, about.merging(["description": request.description, "softwareVersion": version]) { $1 }))
        }
        return DecidedCase(
            opening: opening, values: values, customerID: customer.id, customerKey: customer.key, escalations: deadlines.escalations,
            note: note, reason: reason,
            audit: audit, notices: notices, afterHours: afterHours, clocksFrom: clocksFrom, wrongPIN: request.pin == .wrong)
    }

    /// Numbers the decided cases in their order (one counter change per year among them) and writes them, their
    /// escalation deadlines, their "opened" events and their audit entries with one statement per table.
    private func write(_ db: any SQLConnection, _ cases: [DecidedCase]) throws -> [CaseNumber] {
        guard !cases.isEmpty else { return [] }
        var numbers = [CaseNumber?](repeating: nil, count: cases.count)
        for (year, indices) in Dictionary(grouping: cases.indices, by: { cases[$0].opening.at.utcDate.year }).sorted(by: { $0.key < $1.key }
        ) {
            let last = try Counters.reserve(.supportCase, db, year: year, count: indices.count)
            for (offset, index) in indices.enumerated() {
                numbers[index] = CaseNumber(year: year, sequence: last - indices.count + 1 + offset)
            }
        }
        let numbered = zip(cases, numbers.compactMap { $0 })
        let inserted = try db.insertRows(
            into: "support_case", columns: ["number"] + DecidedCase.columns, rows: numbered.map { [$1.text] + $0.values },
            returning: "id, number")
        var ids: [String: Int64] = [:]
        for row in inserted { ids[try row("number") as String] = try row("id") as Int64 }
        var escalations: [[any SQLBindable]] = []
        var events: [[any SQLBindable]] = []
        var audit: [[any SQLBindable]] = []
        for (decided, number) in numbered {
            guard let id = ids[number.text] else {
                throw DepotError.storage(path: "support_case", message: "case \(number) was not inserted")
            }
            let opening = decided.opening
            escalations += decided.escalations.map { [id, $0.target.rawValue, $0.threshold.description, $0.at.description] }
            events.append(CaseEvents.values(caseID: id, at: opening.at, kind: "opened", actor: opening.actor, note: decided.note))
            audit.append(
                AuditLog.values(
                    actor: opening.actor, at: opening.at, recordedAt: opening.recordedAt, action: "open", entity: "case", key: number.text,
                    customerID: decided.customerID, reason: decided.reason, details: decided.audit))
            if decided.wrongPIN {
                try db.execute(
                    "INSERT INTO pin_failure (customer_id, at) VALUES (?, ?)", [decided.customerID, opening.recordedAt.description])
                try AuditLog.record(
                    db, actor: opening.actor, at: opening.at, recordedAt: opening.recordedAt, action: "wrong-pin", entity: "customer",
                    key: decided.customerKey, customerID: decided.customerID, details: ["case": number.text])
            }
            for notice in decided.notices {
                var payload = notice.payload
                payload["case"] = number.text
                try Outbox.notify(
                    db, notice.event, routes: policy.notifications, customerID: decided.customerID, subject: number.text, payload: payload,
                    key: "\(notice.event.rawValue):\(number.text)", at: opening.at, queuedAt: opening.recordedAt)
            }
        }
        try db.insertRowsUnanswered(into: "case_escalation", columns: ["case_id", "target", "threshold", "due_at"], rows: escalations)
        try db.insertRowsUnanswered(into: "case_event", columns: CaseEvents.columns, rows: events)
        try db.insertRowsUnanswered(into: "audit", columns: AuditLog.columns, rows: audit)
        return numbers.compactMap { $0 }
    }
}

extension DepotDatabase {
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

    /// Every imported release, oldest first.
    private static func releases(_ db: any SQLConnection) throws -> [Release] {
        try db.rows("SELECT version, released_on FROM release ORDER BY released_on, version", source: "release").map {
            row throws(DepotError) in
            let text: String = try row("version")
            guard let version = SoftwareVersion(text) else {
                throw DepotError.unreadableValue(table: "release", column: "version", value: text)
            }
            return Release(version: version, releasedOn: try row("released_on"))
        }
    }

    /// Why `version` is outside the support policy on `day` (SPEC.md 3), `nil` when it is inside, or when the case names
    /// no version or one that was not released by `day` (nothing to judge it by).
    private func unsupportedVersion(_ version: String?, releases: [Release], on day: LocalDate) -> String? {
        guard let version, let parsed = SoftwareVersion(version),
            let support = try? policy.versions.support(of: parsed, releases: releases, on: day)
        else { return nil }
        return support.supported ? nil : support.reason
    }

    /// A case's software version is one of the imported releases (`known`): a well-formed request that names one the
    /// installation does not know is refused as a conflict with its data (409), as an unknown step is, not as bad input.
    private static func checkKnownRelease(_ given: String, known: [String]) throws(DepotError) {
        guard known.contains(given.trimmingSpaces()) else {
            throw DepotError.refused(
                subject: given.trimmingSpaces(),
                reason: known.isEmpty
                    ? "no software releases are imported yet (depot import releases)"
                    : "is not a known release (known: \(known.joined(separator: ", ")))")
        }
    }
}
