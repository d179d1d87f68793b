import DepotCore

/// What a diagnosis led to.
public struct DiagnosisOutcome: Sendable, Equatable, Encodable {
    /// The verdict recorded.
    public let verdict: Verdict
    /// The RMA a `defective` verdict started.
    @NullEncodable public private(set) var rma: RMANumber?
    /// Its path.
    @NullEncodable public private(set) var path: RMAPath?
    /// When its replacement must ship, when known now (advance replacement).
    @NullEncodable public private(set) var shipBy: Instant?
    /// Why the RMA engine chose the path.
    @NullEncodable public private(set) var reason: String?
    /// The unit's status afterwards.
    public let unitStatus: ApplianceStatus

    enum CodingKeys: String, CodingKey { case verdict, rma, path, shipBy, reason, unitStatus }
}

extension DepotDatabase {
    /// Records a diagnosis of `serial` in `caseNumber`. `defective` runs the RMA engine on the contract
    /// tier and warranty of the verdict's day and creates the RMA; `not-defective` returns the unit to
    /// service; `needs-more-info` leaves it suspect.
    public func diagnose(
        serial: Serial, caseNumber: CaseNumber, verdict: Verdict, note: String, checks: String = "",
        at: Instant, actor: ActingUser
    ) throws(DepotError) -> DiagnosisOutcome {
        try actor.require(.diagnose)
        guard !note.trimmingSpaces().isEmpty else {
            throw .invalidArgument(name: "--note", value: note, reason: "say what was checked and found")
        }
        let recordedAt = now()
        return try write { db in
            let supportCase = try FindRecord.supportCase(db, number: caseNumber)
            let number: String = supportCase.number.text
            let caseStatus = supportCase.status
            guard caseStatus.isUnresolved else {
                throw DepotError.refused(subject: number, reason: "is \(caseStatus.rawValue); a diagnosis belongs to an unresolved case")
            }
            try checkEventTime(at, after: EventTimes.lastOfCase(db, caseID: supportCase.id), "\(number)'s last event")
            let unit = try FindRecord.appliance(db, serial: serial)
            let unitID: Int64 = unit.id
            let unitSerial: String = unit.serial.text
            if let caseUnit: Int64 = supportCase.applianceID, caseUnit != unitID {
                throw DepotError.refused(subject: unitSerial, reason: "case \(number) is about another unit")
            }
            // The unit may have left the customer since the case was opened (returned, refurbished, at another customer).
            guard unit.customerID == supportCase.customerID else {
                throw DepotError.refused(subject: unitSerial, reason: "is not at case \(number)'s customer any more")
            }
            if supportCase.applianceID == nil {
                try db.execute(
                    "UPDATE support_case SET appliance_id = ? WHERE id = ?",
                    [unitID, supportCase.id])
            }
            let status = unit.status
            guard status.isAtCustomer else {
                throw DepotError.refused(subject: unitSerial, reason: "is \(status.rawValue), not in service at the customer")
            }
            if let open = try db.value(
                String.self, "SELECT number FROM rma WHERE appliance_id = ? AND state NOT IN ('closed','cancelled')", [unitID])
            {
                throw DepotError.refused(subject: unitSerial, reason: "already has an open RMA, \(open)")
            }
            try db.execute(
                "INSERT INTO diagnosis (case_id, appliance_id, verdict, note, checks, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [supportCase.id, unitID, verdict.rawValue, note, checks, at.description, actor.user])

            let newStatus: ApplianceStatus
            var rmaNumber: RMANumber?
            var decision: RMADecision?
            switch verdict {
            case .notDefective: newStatus = .inService
            case .needsMoreInfo: newStatus = .suspect
            case .defective:
                newStatus = .defective
                let (rma, made) = try openRMA(db, for: supportCase, unit: unit, at: at, recordedAt: recordedAt, actor: actor)
                (rmaNumber, decision) = (rma, made)
            }
            if newStatus != status {
                try db.execute(
                    "UPDATE appliance SET status = ?, moved_at = ? WHERE id = ?",
                    [newStatus.rawValue, at.description, unitID])
            }
            var text = "\(unitSerial): \(verdict.rawValue): \(note)"
            if let rmaNumber, let decision { text += "; \(rmaNumber) \(decision.path.rawValue)" }
            try CaseEvents.add(db, caseID: supportCase.id, at: at, kind: "diagnosis", actor: actor, note: text)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "diagnose", entity: "appliance", key: unitSerial,
                customerID: supportCase.customerID, reason: note,
                details: ["case": number, "verdict": verdict.rawValue, "rma": rmaNumber?.text ?? ""])
            return DiagnosisOutcome(
                verdict: verdict, rma: rmaNumber, path: decision?.path, shipBy: decision?.shipBy,
                reason: decision?.reason, unitStatus: newStatus)
        }
    }

    /// The RMA a `defective` verdict opens (SPEC.md 4): the engine decides the path from the tier and the warranty
    /// on the verdict's day in the unit's region; the RMA is numbered, recorded, audited and announced.
    private func openRMA(
        _ db: any SQLConnection, for supportCase: CaseRecord, unit: ApplianceRecord, at: Instant, recordedAt: Instant, actor: ActingUser
    ) throws -> (number: RMANumber, decision: RMADecision) {
        let number: String = supportCase.number.text
        let unitID: Int64 = unit.id
        let unitSerial: String = unit.serial.text
        let regionID = try FindRecord.region(db, siteID: unit.siteID, customerID: unit.customerID) ?? ""
        let region = try policy.region(regionID)
        let clock = try clocks.clock(for: regionID)
        let customerID: Int64 = supportCase.customerID
        let tier = try FindRecord.activeTier(db, customerID: customerID, on: region.localDate(of: at))
        let end = unit.warrantyEnd
        let made = try RMAEngine.decide(
            tier: tier, shipDate: unit.shipDate, warrantyEnd: end, verdictAt: at,
            region: region, clock: clock, deadlines: policy.rma)
        let rma: RMANumber = try Counters.next(db, year: at.utcDate.year)
        let state = RMAStateMachine.initialState(made.path)
        let rmaID = try db.insert(
            """
            INSERT INTO rma (number, case_id, appliance_id, customer_id, site_id, path, state, reason, tier, warranty_end, in_warranty,
                region, verdict_at, ship_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                rma.text, supportCase.id, unitID, customerID, unit.siteID, made.path.rawValue, state.rawValue,
                made.reason, tier?.rawValue, end.description, made.inWarranty, regionID, at.description, made.shipBy?.description,
            ])
        try RMAEvents.add(db, rmaID: rmaID, at: at, action: "create", from: nil, to: state, actor: actor, note: made.reason)
        try AuditLog.record(
            db, actor: actor, at: at, recordedAt: recordedAt, action: "create", entity: "rma", key: rma.text,
            customerID: customerID, reason: made.reason,
            details: ["case": number, "serial": unitSerial, "path": made.path.rawValue])
        let customer = try db.rows("SELECT key, name, account_manager FROM customer WHERE id = ?", [customerID], source: "query").first
        let payload: [String: String?] = [
            "rma": rma.text, "case": number, "serial": unitSerial, "path": made.path.rawValue, "shipBy": made.shipBy?.description,
            "customer": try customer?.optional("key"), "customerName": try customer?.optional("name"),
            "accountManager": try customer?.optional("account_manager"),
            "reason": made.reason,
        ]
        let event: NotifiedEvent = made.path == .salesReferral ? .salesReferral : .rmaApproved
        try Outbox.notify(
            db, event, routes: policy.notifications, customerID: customerID, subject: rma.text, payload: payload,
            key: "\(event.rawValue):\(rma)", at: at, queuedAt: recordedAt)
        return (rma, made)
    }
}
