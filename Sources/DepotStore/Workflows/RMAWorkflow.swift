import DepotCore

extension DepotDatabase {
    /// Sets a spare aside for the RMA: `serial` when given, else the spare SPEC.md 4 prefers
    /// (`SpareAllocation.preferred`) among those in stock at `at` and outside the unit's lineage. Returns the
    /// spare's serial.
    @discardableResult
    public func allocate(rma number: RMANumber, serial: Serial? = nil, at: Instant, actor: ActingUser) throws(DepotError) -> Serial {
        try rmaStep(number, .allocate, at: at, actor: actor) { db, rma in
            let unit = try FindRecord.appliance(db, id: rma.applianceID)
            let modelID = unit.modelID
            let successorID = try db.value(Int64.self, "SELECT successor_id FROM model WHERE id = ?", [modelID])
            let model = try FindRecord.key(db, table: "model", id: modelID) ?? ""
            let successor: String? = try FindRecord.key(db, table: "model", id: successorID)
            let spare: ApplianceRecord
            if let serial {
                spare = try FindRecord.appliance(db, serial: serial)
                let related =
                    try db.value(
                        Bool.self, "WITH RECURSIVE \(Self.lineageCTE(db.dialect)) SELECT EXISTS (SELECT 1 FROM lineage WHERE id = ?2)",
                        [unit.id, spare.id]) ?? true
                if let refusal = SpareAllocation.refusal(
                    serial: spare.serial.text, status: spare.status,
                    spareModel: try FindRecord.key(db, table: "model", id: spare.modelID) ?? "",
                    model: model, successor: successor, inLineageOf: related ? unit.serial.text : nil)
                {
                    throw refusal
                }
            } else {
                var candidates: [(id: Int64, spare: SpareCandidate)] = []
                for row in try db.rows(
                    """
                    WITH RECURSIVE \(Self.lineageCTE(db.dialect))
                    SELECT a.id, a.serial, m.key AS model, d.key AS depot, d.region, a.moved_at
                    FROM appliance a JOIN depot d ON d.id = a.depot_id JOIN model m ON m.id = a.model_id
                    WHERE a.status = 'in-stock' AND a.model_id IN (?2, ?3) AND a.id NOT IN (SELECT id FROM lineage)
                    """, [unit.id, modelID, successorID ?? modelID], source: "query")
                {
                    let row = row.stored("appliance")
                    let spare = SpareCandidate(
                        serial: try row("serial"), model: try row("model"), depot: try row("depot"), depotRegion: try row("region"),
                        movedAt: try row.optional("moved_at"))
                    candidates.append((try row("id"), spare))
                }
                guard
                    let picked = SpareAllocation.preferred(
                        among: candidates.map(\.spare), model: model, successor: successor, region: rma.region, at: at),
                    let pickedID = candidates.first(where: { $0.spare == picked })?.id,
                    let row = try ApplianceRecord.find(db, "id", pickedID)
                else {
                    throw DepotError.refused(
                        subject: rma.number.text,
                        reason: "no spare of model \(model.isEmpty ? "?" : model)"
                            + (successor.map { " or its successor \($0)" } ?? "") + " is in stock")
                }
                spare = row
            }
            try checkEventTime(at, after: EventTimes.lastOfUnit(db, unitID: spare.id), "\(spare.serial)'s last move")
            try db.execute(
                "UPDATE appliance SET status = 'allocated', moved_at = ? WHERE id = ?",
                [at.description, spare.id])
            try db.execute(
                "UPDATE rma SET replacement_id = ?, allocated_at = ?, depot_id = ? WHERE id = ?",
                [spare.id, at.description, spare.depotID, rma.id])
            let spareSerial = spare.serial.text
            let depot = try FindRecord.key(db, table: "depot", id: spare.depotID) ?? ""
            return (spare.serial, "spare \(spareSerial) from depot \(depot)", ["replacement": spareSerial, "depot": depot])
        }
    }

    /// Ships the allocated replacement to the defective unit's customer and site. The replacement takes
    /// the replacement warranty, and the lineage links both units.
    public func ship(rma number: RMANumber, carrier: String, tracking: String, at: Instant, actor: ActingUser) throws(DepotError) {
        try requireText(carrier, "--carrier")
        try requireText(tracking, "--tracking")
        let carrier = try SingleLine.check(carrier, field: "--carrier", maxLength: SingleLine.codeLength)
        let tracking = try SingleLine.check(tracking, field: "--tracking", maxLength: SingleLine.codeLength)
        try rmaStep(number, .ship, at: at, actor: actor) { db, rma in
            let unit = try FindRecord.appliance(db, id: rma.applianceID)
            guard let replacementID: Int64 = rma.replacementID,
                let replacement = try ApplianceRecord.find(db, "id", replacementID)
            else { throw DepotError.refused(subject: rma.number.text, reason: "has no allocated replacement") }
            let region = try policy.region(rma.region)
            let shipDay = region.localDate(of: at)
            let originalEnd = unit.warrantyEnd
            let end = Warranty.replacementEnd(
                originalEnd: originalEnd, replacementShipDate: shipDay, minimumDays: policy.replacementMinimumDays)
            try db.execute(
                """
                UPDATE appliance SET status = 'in-transit', customer_id = ?, site_id = ?, depot_id = NULL, ship_date = ?,
                    warranty_end = ?, replacement_warranty = TRUE, replaces_id = ?, moved_at = ? WHERE id = ?
                """,
                [
                    rma.customerID, rma.siteID, shipDay.description, end.description, unit.id, at.description,
                    replacementID,
                ])
            try db.execute(
                "UPDATE appliance SET replaced_by_id = ? WHERE id = ?",
                [replacementID, unit.id])
            try db.execute(
                "UPDATE rma SET carrier = ?, tracking = ?, shipped_at = ? WHERE id = ?",
                [carrier.trimmingSpaces(), tracking.trimmingSpaces(), at.description, rma.id])
            let replacementSerial = replacement.serial.text
            let customerID: Int64? = rma.customerID
            try Outbox.notify(
                db, .replacementShipped, routes: policy.notifications, customerID: customerID, subject: rma.number.text,
                payload: [
                    "rma": rma.number.text, "serial": unit.serial.text, "replacementSerial": replacementSerial,
                    "carrier": carrier, "tracking": tracking, "customer": try FindRecord.key(db, table: "customer", id: customerID),
                    "site": try FindRecord.key(db, table: "site", id: rma.siteID),
                ],
                key: "replacement-shipped:\(rma.number)", at: at, queuedAt: now())
            return (
                (), "\(replacementSerial) by \(carrier) \(tracking); warranty to \(end)",
                ["replacement": replacementSerial, "carrier": carrier, "tracking": tracking, "warrantyEnd": end.description]
            )
        }
    }

    /// Records the replacement's delivery; for an advance replacement the defective unit is now due back.
    public func deliver(rma number: RMANumber, at: Instant, actor: ActingUser) throws(DepotError) {
        try rmaStep(number, .deliver, at: at, actor: actor) { db, rma in
            try db.execute(
                "UPDATE appliance SET status = 'in-service', moved_at = ? WHERE id = ?",
                [at.description, rma.replacementID])
            var note = "replacement delivered"
            var details: [String: String] = [:]
            if rma.path == .advanceReplacement {
                let due = try clocks.clock(for: rma.region).adding(policy.rma.returnDueAfterDelivery, to: at)
                try db.execute("UPDATE rma SET delivered_at = ?, return_due = ? WHERE id = ?", [at.description, due.description, rma.id])
                note += "; defective unit due back by \(due)"
                details["returnDue"] = due.description
            } else {
                try db.execute("UPDATE rma SET delivered_at = ? WHERE id = ?", [at.description, rma.id])
            }
            return ((), note, details)
        }
    }

    /// Records that the customer shipped the defective unit back.
    public func returnShip(rma number: RMANumber, carrier: String? = nil, tracking: String? = nil, at: Instant, actor: ActingUser)
        throws(DepotError)
    {
        if let carrier { _ = try SingleLine.check(carrier, field: "--carrier", maxLength: SingleLine.codeLength) }
        if let tracking { _ = try SingleLine.check(tracking, field: "--tracking", maxLength: SingleLine.codeLength) }
        try rmaStep(number, .returnShip, at: at, actor: actor) { db, rma in
            try db.execute(
                "UPDATE appliance SET status = 'return-in-transit', moved_at = ? WHERE id = ?",
                [at.description, rma.applianceID])
            try db.execute(
                "UPDATE rma SET return_carrier = ?, return_tracking = ?, return_shipped_at = ? WHERE id = ?",
                [carrier?.trimmingSpaces(), tracking?.trimmingSpaces(), at.description, rma.id])
            let via = [carrier, tracking].compactMap { $0 }.joined(separator: " ")
            return (
                (), "defective unit shipped back" + (via.isEmpty ? "" : " by \(via)"),
                ["carrier": carrier ?? "", "tracking": tracking ?? ""]
            )
        }
    }

    /// Records the defective unit's arrival; for return-then-replace the replacement is now due to ship.
    public func receive(rma number: RMANumber, serial scanned: Serial? = nil, at: Instant, actor: ActingUser) throws(DepotError) {
        try rmaStep(number, .receive, at: at, actor: actor) { db, rma in
            // The serial read off the unit that arrived, when given, must be the RMA's own unit.
            if let scanned {
                let expected = try FindRecord.appliance(db, id: rma.applianceID).serial
                guard scanned == expected else {
                    throw DepotError.refused(
                        subject: scanned.text, reason: "is not the unit of \(rma.number), which expects \(expected) back")
                }
            }
            // The unit arrives at the depot its replacement left from, else the first depot of the RMA's region.
            guard
                let depot = try db.fetchOne(
                    DepotRecord.self, "SELECT \(DepotRecord.columns) FROM depot ORDER BY id IS DISTINCT FROM ?1, region <> ?2, key LIMIT 1",
                    [rma.depotID, rma.region],
                    source: DepotRecord.table)
            else { throw DepotError.refused(subject: rma.number.text, reason: "there is no depot to receive the unit at") }
            try db.execute(
                "UPDATE appliance SET status = 'returned', customer_id = NULL, site_id = NULL, depot_id = ?, moved_at = ? WHERE id = ?",
                [depot.id, at.description, rma.applianceID])
            try db.execute("UPDATE rma SET return_depot_id = ? WHERE id = ?", [depot.id, rma.id])
            var note = "defective unit received at depot \(depot.key)"
            var details: [String: String] = ["depot": depot.key]
            if rma.path == .returnThenReplace {
                let shipBy = try clocks.clock(for: rma.region).adding(policy.rma.replacementShipAfterReceipt, to: at)
                try db.execute("UPDATE rma SET received_at = ?, ship_by = ? WHERE id = ?", [at.description, shipBy.description, rma.id])
                note += "; replacement ships by \(shipBy)"
                details["shipBy"] = shipBy.description
            } else {
                try db.execute("UPDATE rma SET received_at = ? WHERE id = ?", [at.description, rma.id])
            }
            return ((), note, details)
        }
    }

    /// Closes an RMA; a sales referral needs its outcome.
    public func closeRMA(_ number: RMANumber, outcome: ReferralOutcome? = nil, at: Instant, actor: ActingUser) throws(DepotError) {
        try rmaStep(number, .close, at: at, actor: actor) { db, rma in
            try RMAClosing.check(path: rma.path, outcome: outcome)
            try db.execute("UPDATE rma SET closed_at = ?, outcome = ? WHERE id = ?", [at.description, outcome?.rawValue, rma.id])
            return ((), outcome.map { "outcome: \($0.rawValue)" }, ["outcome": outcome?.rawValue ?? ""])
        }
    }

    /// Cancels an RMA whose replacement has not shipped (SPEC.md 4): an allocated spare goes back to stock, a
    /// received unit stays `returned` at the depot, a defective unit still at the customer stays there. A unit on
    /// its way back cannot be left without its RMA: the state machine asks for its receipt first.
    public func cancelRMA(_ number: RMANumber, reason: String, at: Instant, actor: ActingUser) throws(DepotError) {
        try requireText(reason, "--reason")
        let reason = try SingleLine.check(reason, field: "--reason", maxLength: SingleLine.reasonLength)
        try rmaStep(number, .cancel, at: at, actor: actor) { db, rma in
            var note = reason
            if rma.state == .allocated, let spare = rma.replacementID {
                try db.execute(
                    "UPDATE appliance SET status = 'in-stock', moved_at = ? WHERE id = ?",
                    [at.description, spare])
                try db.execute("UPDATE rma SET replacement_id = NULL WHERE id = ?", [rma.id])
                note += "; spare \(try FindRecord.key(db, table: "appliance", id: spare) ?? "") back in stock"
            }
            try db.execute("UPDATE rma SET cancel_reason = ?, closed_at = ? WHERE id = ?", [reason, at.description, rma.id])
            return ((), note, ["reason": reason])
        }
    }

    // MARK: - The common step

    /// Runs one RMA step: checks the state machine and the role, runs `body` (which moves units and
    /// sets the step's columns), then sets the new state and writes the history and the audit entry.
    @discardableResult
    private func rmaStep<T>(
        _ number: RMANumber, _ action: RMAAction, at: Instant, actor: ActingUser,
        _ body: (any SQLConnection, RMARecord) throws -> (T, String?, [String: String])
    ) throws(DepotError) -> T {
        let recordedAt = now()
        return try write { db in
            let rma = try FindRecord.rma(db, number: number)
            let rmaNumber: String = rma.number.text
            let path = rma.path
            let state = rma.state
            try actor.require(RMAStateMachine.permission(for: action, on: path))
            let unitStatus = try db.value(String.self, "SELECT status FROM appliance WHERE id = ?", [rma.applianceID])
            let allowed = RMAStateMachine.allowed(path, from: state, unitOnWayBack: unitStatus == ApplianceStatus.returnInTransit.rawValue)
            guard allowed.contains(action), let next = RMAStateMachine.next(path, from: state, by: action) else {
                throw DepotError.illegalTransition(
                    subject: rmaNumber, state: state.rawValue, action: action.rawValue, allowed: allowed.map(\.rawValue))
            }
            try checkEventTime(at, after: EventTimes.lastOfRMA(db, rmaID: rma.id), "\(rmaNumber)'s last step")
            let (result, note, details) = try body(db, rma)
            try db.execute("UPDATE rma SET state = ? WHERE id = ?", [next.rawValue, rma.id])
            try RMAEvents.add(db, rmaID: rma.id, at: at, action: action.rawValue, from: state, to: next, actor: actor, note: note)
            var allDetails = details.filter { !$0.value.isEmpty }
            allDetails["from"] = state.rawValue
            allDetails["to"] = next.rawValue
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: action.rawValue, entity: "rma", key: rmaNumber,
                customerID: rma.customerID, reason: action == .cancel ? note : nil, details: allDetails)
            return result
        }
    }

    /// The units related to `?1` by lineage (`replaces` / `replacedBy`, either way, transitively), itself included.
    static func lineageCTE(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            """
            lineage(id) AS (
                SELECT ?1
                UNION SELECT a.replaces_id FROM appliance a JOIN lineage l ON a.id = l.id WHERE a.replaces_id IS NOT NULL
                UNION SELECT a.replaced_by_id FROM appliance a JOIN lineage l ON a.id = l.id WHERE a.replaced_by_id IS NOT NULL
                UNION SELECT a.id FROM appliance a JOIN lineage l ON a.replaces_id = l.id
                UNION SELECT a.id FROM appliance a JOIN lineage l ON a.replaced_by_id = l.id)
            """
        case .postgres:
            // PostgreSQL's recursive term may name the CTE once: the four links in one lateral union.
            """
            lineage(id) AS (
                SELECT ?1
                UNION SELECT x.id FROM lineage l CROSS JOIN LATERAL (
                    SELECT replaces_id AS id FROM appliance WHERE id = l.id AND replaces_id IS NOT NULL
                    UNION ALL SELECT replaced_by_id FROM appliance WHERE id = l.id AND replaced_by_id IS NOT NULL
                    UNION ALL SELECT id FROM appliance WHERE replaces_id = l.id
                    UNION ALL SELECT id FROM appliance WHERE replaced_by_id = l.id) x)
            """
        }
    }

    /// Refuses to move a unit that is the defective unit of an open RMA, naming the RMA.
    static func refuseWhileInOpenRMA(_ db: any SQLConnection, _ unit: ApplianceRecord, doing: String) throws {
        if let open = try db.value(
            String.self, "SELECT number FROM rma WHERE appliance_id = ? AND state NOT IN ('closed', 'cancelled')", [unit.id])
        {
            throw DepotError.refused(
                subject: unit.serial.text, reason: "belongs to the open \(open): close or cancel it before the unit is \(doing)")
        }
    }

    private func requireText(_ text: String, _ name: String) throws(DepotError) {
        guard !text.trimmingSpaces().isEmpty else { throw .invalidArgument(name: name, value: text, reason: "a value is required") }
    }
}

/// The history of an RMA.
enum RMAEvents {
    static func add(
        _ db: any SQLConnection, rmaID: Int64, at: Instant, action: String, from: RMAState?, to: RMAState, actor: ActingUser, note: String?
    )
        throws
    {
        try db.execute(
            "INSERT INTO rma_event (rma_id, at, action, from_state, to_state, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [rmaID, at.description, action, from?.rawValue, to.rawValue, actor.user, note])
    }
}

/// What an RMA step may carry: the spare to allocate (allocate) or the serial read off the unit that came back
/// (receive), a shipment's carrier and tracking number (ship, return-ship), a referral's outcome (close), why it is
/// cancelled (cancel). Each step checks the fields it needs.
public struct RMAStepDetails: Sendable {
    public var serial: Serial?
    public var carrier: String?
    public var tracking: String?
    public var outcome: ReferralOutcome?
    public var reason: String?

    public init(
        serial: Serial? = nil, carrier: String? = nil, tracking: String? = nil, outcome: ReferralOutcome? = nil, reason: String? = nil
    ) {
        self.serial = serial
        self.carrier = carrier
        self.tracking = tracking
        self.outcome = outcome
        self.reason = reason
    }
}

extension DepotDatabase {
    /// Takes any step of an RMA by its action (the API and the web forms, which name the step in the path).
    public func advanceRMA(_ number: RMANumber, _ action: RMAAction, _ details: RMAStepDetails, at: Instant, actor: ActingUser)
        throws(DepotError)
    {
        switch action {
        case .allocate: try allocate(rma: number, serial: details.serial, at: at, actor: actor)
        case .ship: try ship(rma: number, carrier: details.carrier ?? "", tracking: details.tracking ?? "", at: at, actor: actor)
        case .deliver: try deliver(rma: number, at: at, actor: actor)
        case .returnShip: try returnShip(rma: number, carrier: details.carrier, tracking: details.tracking, at: at, actor: actor)
        case .receive: try receive(rma: number, serial: details.serial, at: at, actor: actor)
        case .close: try closeRMA(number, outcome: details.outcome, at: at, actor: actor)
        case .cancel: try cancelRMA(number, reason: details.reason ?? "", at: at, actor: actor)
        }
    }
}
