import DepotCore

/// An RMA as `depot rma show` presents it. JSON keys are a contract; unset values are `null`; a list's RMAs have no
/// `history` key at all (an empty one would say it had no steps).
public struct RMADetail: Sendable, Encodable {
    public struct Step: Sendable, Encodable {
        public let at: Instant
        public let action: String
        @NullEncodable public private(set) var from: String?
        public let to: String
        public let actor: String
        @NullEncodable public private(set) var note: String?

        enum CodingKeys: String, CodingKey { case at, action, from, to, actor, note }
    }

    public let number: RMANumber
    public let caseNumber: CaseNumber
    public let path: RMAPath
    public let state: RMAState
    public let serial: Serial
    public let model: String
    @NullEncodable public private(set) var customer: String?
    @NullEncodable public private(set) var site: String?
    public let region: String
    @NullEncodable public private(set) var replacementSerial: Serial?
    @NullEncodable public private(set) var tier: Tier?
    public let warrantyEnd: LocalDate
    public let inWarranty: Bool
    public let verdictAt: Instant
    public let reason: String
    @NullEncodable public private(set) var shipBy: Instant?
    @NullEncodable public private(set) var returnDue: Instant?
    public let overdue: Bool
    @NullEncodable public private(set) var carrier: String?
    @NullEncodable public private(set) var tracking: String?
    @NullEncodable public private(set) var returnCarrier: String?
    @NullEncodable public private(set) var returnTracking: String?
    @NullEncodable public private(set) var outcome: String?
    @NullEncodable public private(set) var cancelReason: String?
    public let allowedNext: [RMAAction]
    /// Its steps, oldest first; `nil` (and left out of the JSON) for an RMA of a list, which never reads them.
    public let history: [Step]?

    enum CodingKeys: String, CodingKey {
        case number = "rma"
        case caseNumber = "case"
        case path, state, serial, model, customer, site, region, replacementSerial, tier, warrantyEnd, inWarranty, verdictAt, reason,
            shipBy, returnDue, overdue, carrier, tracking, returnCarrier, returnTracking, outcome, cancelReason, allowedNext, history
    }
}

/// Filters of `depot rma list`; `nil` means any.
public struct RMAFilter: Sendable {
    public var state: RMAState?
    public var path: RMAPath?
    public var customer: String?
    public var openOnly = false
    public var overdueOnly = false

    public init(state: RMAState? = nil, path: RMAPath? = nil, customer: String? = nil, openOnly: Bool = false, overdueOnly: Bool = false) {
        self.state = state
        self.path = path
        self.customer = customer
        self.openOnly = openOnly
        self.overdueOnly = overdueOnly
    }
}

/// An RMA is overdue at `now` when its replacement has not shipped by the ship-by deadline, or its
/// defective unit has not been received by the return-due deadline.
func isOverdue(shipBy: Instant?, shippedAt: Instant?, returnDue: Instant?, receivedAt: Instant?, state: RMAState, now: Instant) -> Bool {
    guard state.isOpen else { return false }
    if let shipBy, shippedAt == nil, now > shipBy { return true }
    if let returnDue, receivedAt == nil, now > returnDue { return true }
    return false
}

extension DepotDatabase {
    /// An RMA with its units, deadlines, overdue flag at `now`, the allowed next steps and its history.
    public func rmaDetail(_ number: RMANumber, now: Instant) throws(DepotError) -> RMADetail {
        try read { db in
            try Self.rmaDetail(db, rma: FindRecord.rma(db, number: number), now: now)
        }
    }

    /// RMAs matching `filter`, newest first (the list pages' `rmaListing` sorts and counts them too).
    public func rmas(_ filter: RMAFilter, now: Instant, limit: Int = 1000, offset: Int = 0) throws(DepotError) -> [RMADetail] {
        try read { db in
            let conditions = Self.rmaConditions(filter, now: now)
            return try db.rows(
                "SELECT r.* FROM rma r \(conditions.sql) ORDER BY r.id DESC LIMIT ? OFFSET ?", conditions.arguments + [limit, offset],
                source: "query"
            )
            .map { row in try Self.rmaListItem(db, row: row, now: now) }
        }
    }

    /// The depot the RMA's spare was allocated from (kept after the spare leaves it), `nil` before allocation.
    public func spareDepot(of number: RMANumber) throws(DepotError) -> String? {
        try read { db in
            try db.value(String.self, "SELECT d.key FROM rma r JOIN depot d ON d.id = r.depot_id WHERE r.number = ?", [number.text])
        }
    }

    /// An RMA of a list (its detail without its history) from its row.
    static func rmaListItem(_ db: any SQLConnection, row: StoredRow, now: Instant) throws -> RMADetail {
        try rmaDetail(db, rma: RMARecord(row: row.stored(RMARecord.table)), now: now, withHistory: false)
    }

    /// The number of the case an RMA came from (every RMA has one).
    private static func caseNumber(_ db: any SQLConnection, _ rma: RMARecord) throws -> CaseNumber {
        guard let number: CaseNumber = try FindRecord.key(db, table: "support_case", id: rma.caseID) else {
            throw DepotError.unreadableValue(table: "rma", column: "case_id", value: String(rma.caseID))
        }
        return number
    }

    private static func rmaDetail(_ db: any SQLConnection, rma: RMARecord, now: Instant, withHistory: Bool = true) throws -> RMADetail {
        let unit = try FindRecord.appliance(db, id: rma.applianceID)
        var history: [RMADetail.Step]? = withHistory ? [] : nil
        if withHistory {
            for row in try db.rows("SELECT * FROM rma_event WHERE rma_id = ? ORDER BY at, id", [rma.id], source: "query") {
                let row = row.stored("rma_event")
                history?.append(
                    RMADetail.Step(
                        at: try row("at"), action: try row("action"), from: try row.optional("from_state"), to: try row("to_state"),
                        actor: try row("actor"), note: try row.optional("note")))
            }
        }
        return RMADetail(
            number: rma.number, caseNumber: try caseNumber(db, rma), path: rma.path, state: rma.state, serial: unit.serial,
            model: try FindRecord.key(db, table: "model", id: unit.modelID) ?? "",
            customer: try FindRecord.key(db, table: "customer", id: rma.customerID),
            site: try FindRecord.key(db, table: "site", id: rma.siteID),
            region: rma.region, replacementSerial: try FindRecord.key(db, table: "appliance", id: rma.replacementID),
            tier: rma.tier, warrantyEnd: rma.warrantyEnd, inWarranty: rma.inWarranty, verdictAt: rma.verdictAt, reason: rma.reason,
            shipBy: rma.shipBy, returnDue: rma.returnDue,
            overdue: isOverdue(
                shipBy: rma.shipBy, shippedAt: rma.shippedAt, returnDue: rma.returnDue, receivedAt: rma.receivedAt, state: rma.state,
                now: now),
            carrier: rma.carrier, tracking: rma.tracking, returnCarrier: rma.returnCarrier, returnTracking: rma.returnTracking,
            outcome: rma.outcome?.rawValue, cancelReason: rma.cancelReason,
            allowedNext: RMAStateMachine.allowed(rma.path, from: rma.state, unitOnWayBack: unit.status == .returnInTransit),
            history: history)
    }
}

/// One audit entry.
public struct AuditEntry: Sendable, Encodable {
    public let id: Int64
    public let at: Instant
    public let recordedAt: Instant
    public let user: String
    public let role: String
    public let action: String
    public let entity: String
    public let key: String
    @NullEncodable public private(set) var reason: String?
    public let details: String
}

extension DepotDatabase {
    /// Audit entries, oldest first, optionally for one entity kind and key or one user.
    public func auditEntries(entity: String? = nil, key: String? = nil, user: String? = nil, limit: Int = 1000) throws(DepotError)
        -> [AuditEntry]
    {
        try read { db in
            var conditions: [String] = []
            var arguments: [any SQLBindable] = []
            if let entity { conditions.append("entity = ?"); arguments.append(entity) }
            if let key { conditions.append("entity_key = ?"); arguments.append(key) }
            if let user { conditions.append("\"user\" = ?"); arguments.append(user) }
            arguments.append(limit)
            return try db.rows(
                "SELECT * FROM (SELECT * FROM audit \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?) latest ORDER BY id",
                arguments, source: "query"
            ).map { row throws(DepotError) in
                let entry = row.stored("audit")
                return AuditEntry(
                    id: try entry("id"), at: try entry("at"), recordedAt: try entry("recorded_at"), user: try entry("user"),
                    role: try entry("role"), action: try entry("action"), entity: try entry("entity"), key: try entry("entity_key"),
                    reason: try entry.optional("reason"), details: try entry("details"))
            }
        }
    }

    /// How many notifications wait for delivery, by event.
    public func pendingNotifications() throws(DepotError) -> [(event: String, target: String, subject: String, key: String)] {
        try read { db in
            try db.rows(
                "SELECT event, target, subject, idempotency_key FROM notification WHERE state = 'pending' ORDER BY id", source: "query"
            )
            .map { row throws(DepotError) in
                let n = row.stored("notification")
                return (try n("event"), try n("target"), try n("subject"), try n("idempotency_key"))
            }
        }
    }
}
