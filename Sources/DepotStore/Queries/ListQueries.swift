import DepotCore

/// The list pages' queries: filtered, sorted by a column, one page at a time, with the number that match in all.
extension DepotDatabase {
    /// A page of the cases matching `filter`, sorted by `order`.
    public func caseListing(_ filter: CaseFilter, order: ListOrder<CaseColumn>, now: Instant, limit: Int, offset: Int)
        throws(DepotError) -> Listing<CaseSummary>
    {
        try read { db in
            let items = try Self.caseSummaries(db, filter, order: order, now: now, limit: limit, offset: offset)
            let total = try Self.count(
                db,
                "SELECT count(*) FROM support_case c JOIN customer cu ON cu.id = c.customer_id "
                    + "LEFT JOIN appliance a ON a.id = c.appliance_id \(Self.caseConditions(filter, now: now).sql)",
                Self.caseConditions(filter, now: now))
            return Listing(items: items, total: total, customerNames: try Self.customerNames(db, items.map(\.customer)))
        }
    }

    static func caseConditions(_ filter: CaseFilter, now: Instant) -> SQLConditions {
        var conditions = SQLConditions()
        if let customer = filter.customer { conditions.add("cu.key = \(CustomerKeySQL.typed)", customer, customer) }
        if let status = filter.status { conditions.add("c.status = ?", status.rawValue) }
        if let priority = filter.priority { conditions.add("c.priority = ?", priority.rawValue) }
        if let region = filter.region { conditions.add("lower(c.region) = lower(?)", region) }
        if let serial = filter.serial { conditions.add("a.serial = ?", serial.text) }
        if filter.unresolvedOnly { conditions.add("c.status NOT IN ('resolved', 'closed')") }
        if let owner = filter.owner { conditions.add("c.owner = ?", owner) }
        if filter.unassigned { conditions.add("c.owner IS NULL") }
        // As `SLAState.of`: instants are stored as `YYYY-MM-DDTHH:MM:SSZ`, which sort as text.
        switch filter.sla {
        case .met?: conditions.add("c.responded_at IS NOT NULL AND c.response_due IS NOT NULL AND c.responded_at <= c.response_due")
        case .breached?:
            conditions.add(
                "c.response_due IS NOT NULL AND ((c.responded_at IS NOT NULL AND c.responded_at > c.response_due) "
                    + "OR (c.responded_at IS NULL AND c.response_due < ?))", now.description)
        case .pending?: conditions.add("c.response_due IS NOT NULL AND c.responded_at IS NULL AND c.response_due >= ?", now.description)
        case nil: break
        }
        return conditions
    }

    static func caseSummaries(
        _ db: any SQLConnection, _ filter: CaseFilter, order: ListOrder<CaseColumn>, now: Instant, limit: Int, offset: Int
    )
        throws -> [CaseSummary]
    {
        let conditions = Self.caseConditions(filter, now: now)
        let direction = order.direction()
        let sort =
            switch order.column {
            // Still to respond to, by deadline (past ones first); then responded or without SLA, newest first. A case
            // without a deadline sorts as the smallest one (SQLite's NULL order, said so for PostgreSQL's too).
            case .due:
                "(c.responded_at IS NOT NULL OR c.response_due IS NULL) \(direction), "
                    + "(c.response_due IS NULL) \(order.direction(reversed: true)), c.response_due \(direction), c.opened_at DESC"
            case .opened: "c.opened_at \(direction)"
            case .number: "c.number \(direction)"
            case .priority: "c.priority \(direction), c.opened_at DESC"
            case .status: "c.status \(direction), c.opened_at DESC"
            case .customer: "cu.key \(direction), c.opened_at DESC"
            }
        let sql = """
            SELECT c.*, cu.key AS customer, a.serial FROM support_case c
            JOIN customer cu ON cu.id = c.customer_id LEFT JOIN appliance a ON a.id = c.appliance_id
            \(conditions.sql) ORDER BY \(sort), c.id \(direction) LIMIT ? OFFSET ?
            """
        return try db.rows(sql, conditions.arguments + [limit, offset], source: "query").map {
            row throws(DepotError) in
            let row = row.stored("support_case")
            let due: Instant? = try row.optional("response_due")
            return CaseSummary(
                number: try row("number"), customer: try row("customer"), priority: try row("priority"), status: try row("status"),
                type: try row("type"), serial: try row.optional("serial"), openedAt: try row("opened_at"), responseDue: due,
                slaState: SLAState.of(due: due, responded: try row.optional("responded_at"), now: now), title: try row("title"),
                region: try row("region"), responseThreshold: try row.optional("response_threshold"), owner: try row.optional("owner"),
                unsupportedVersion: (try row.optional("unsupported_version") as String?) != nil)
        }
    }

    /// A page of the RMAs matching `filter` (and `region`, any case), sorted by `order`, with their overdue flag at `now`.
    public func rmaListing(_ filter: RMAFilter, region: String? = nil, order: ListOrder<RMAColumn>, now: Instant, limit: Int, offset: Int)
        throws(DepotError) -> Listing<RMADetail>
    {
        try read { db in
            var conditions = Self.rmaConditions(filter, now: now)
            if let region { conditions.add("lower(r.region) = lower(?)", region) }
            let direction = order.direction()
            let sort =
                switch order.column {
                case .deadline: "\(Self.nextDeadline) IS NULL, \(Self.nextDeadline) \(direction)"
                case .number: "r.id \(direction)"
                case .state: "r.state \(direction)"
                case .path: "r.path \(direction)"
                case .customer: "cu.key \(direction)"
                }
            let sql = """
                SELECT r.* FROM rma r LEFT JOIN customer cu ON cu.id = r.customer_id
                \(conditions.sql) ORDER BY \(sort), r.id DESC LIMIT ? OFFSET ?
                """
            let items = try db.rows(sql, conditions.arguments + [limit, offset], source: "query")
                .map { row in try Self.rmaListItem(db, row: row, now: now) }
            let total = try Self.count(
                db, "SELECT count(*) FROM rma r LEFT JOIN customer cu ON cu.id = r.customer_id \(conditions.sql)", conditions)
            return Listing(items: items, total: total, customerNames: try Self.customerNames(db, items.compactMap(\.customer)))
        }
    }

    /// The deadline of an RMA still open: ship-by until the replacement ships, then return due until the unit is back.
    private static let nextDeadline =
        "(CASE WHEN r.state IN ('closed', 'cancelled') THEN NULL WHEN r.ship_by IS NOT NULL AND r.shipped_at IS NULL THEN r.ship_by "
        + "WHEN r.received_at IS NULL THEN r.return_due END)"

    static func rmaConditions(_ filter: RMAFilter, now: Instant) -> SQLConditions {
        var conditions = SQLConditions()
        if let state = filter.state { conditions.add("r.state = ?", state.rawValue) }
        if let path = filter.path { conditions.add("r.path = ?", path.rawValue) }
        if let customer = filter.customer {
            conditions.add("r.customer_id = (SELECT id FROM customer WHERE key = \(CustomerKeySQL.typed))", customer, customer)
        }
        if filter.openOnly { conditions.add("r.state NOT IN ('closed', 'cancelled')") }
        // As `isOverdue`: a deadline passed with its step not taken, on an RMA still open.
        if filter.overdueOnly {
            conditions.add(
                "r.state NOT IN ('closed', 'cancelled') AND ((r.ship_by IS NOT NULL AND r.shipped_at IS NULL AND r.ship_by < ?) "
                    + "OR (r.return_due IS NOT NULL AND r.received_at IS NULL AND r.return_due < ?))", now.description, now.description)
        }
        return conditions
    }

    /// A page of the units matching `filter`, sorted by `order`.
    public func unitListing(_ filter: UnitFilter, order: ListOrder<UnitColumn>, limit: Int, offset: Int) throws(DepotError) -> Listing<
        UnitSummary
    > {
        try read { db in
            var conditions = SQLConditions()
            if let status = filter.status {
                // Named in the SQL text, not bound: the value is a constant of this enum (never user input), and
                // SQLite uses a partial index (suspect, returned, allocated units) only when the query's text implies
                // its WHERE.
                conditions.add("a.status = '\(status.rawValue)'")
            }
            if let model = filter.model { conditions.add("lower(m.key) = lower(?)", model) }
            if let customer = filter.customer { conditions.add("c.key = \(CustomerKeySQL.typed)", customer, customer) }
            if filter.withoutOpenRMA {
                conditions.add("NOT EXISTS (SELECT 1 FROM rma r WHERE r.appliance_id = a.id AND r.state NOT IN ('closed', 'cancelled'))")
            }
            if let part = filter.serialContains {
                conditions.add("a.serial \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\'", SQLConditions.contains(part.uppercased()))
            }
            let direction = order.direction()
            let sort =
                switch order.column {
                case .serial: "a.serial \(direction)"
                case .model: "m.key \(direction), a.serial"
                case .status: "a.status \(direction), a.serial"
                case .customer: "c.key IS NULL, c.key \(direction), a.serial"
                case .warranty: "a.warranty_end \(direction), a.serial"
                }
            let from = """
                FROM appliance a JOIN model m ON m.id = a.model_id
                LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id \(conditions.sql)
                """
            let sql = """
                SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, a.warranty_end
                \(from) ORDER BY \(sort) LIMIT ? OFFSET ?
                """
            let items = try db.rows(sql, conditions.arguments + [limit, offset], source: "query")
                .map { row throws(DepotError) in
                    let unit = row.stored("appliance")
                    return UnitSummary(
                        serial: try unit("serial"), model: try unit("model"), status: try unit("status"),
                        customer: try unit.optional("customer"), site: try unit.optional("site"), warrantyEnd: try unit("warranty_end"))
                }
            let total = try Self.unitTotal(db, filter, orCount: from, conditions)
            return Listing(items: items, total: total, customerNames: try Self.customerNames(db, items.compactMap(\.customer)))
        }
    }

    /// A page of the customers matching `filter`, sorted by `order`, with the tier active on their region's day of `now`.
    public func customerListing(_ filter: CustomerFilter, order: ListOrder<CustomerColumn>, now: Instant, limit: Int, offset: Int)
        throws(DepotError) -> Listing<CustomerSummary>
    {
        try read { db in
            var conditions = SQLConditions()
            if let text = filter.text {
                let pattern = SQLConditions.contains(text)
                conditions.add(
                    "(key \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' OR name \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\')",
                    pattern, pattern)
            }
            if let region = filter.region { conditions.add("lower(region) = lower(?)", region) }
            if let manager = filter.accountManager { conditions.add("lower(account_manager) = lower(?)", manager) }
            let direction = order.direction()
            let sort =
                switch order.column {
                case .key: "key \(direction)"
                case .name: "lower(name) \(direction), key"
                case .region: "region \(direction), key"
                case .manager: "lower(account_manager) \(direction), key"
                }
            let items = try db.fetchAll(
                CustomerRecord.self, "SELECT * FROM customer \(conditions.sql) ORDER BY \(sort) LIMIT ? OFFSET ?",
                conditions.arguments + [limit, offset], source: CustomerRecord.table
            ).map { customer in
                CustomerSummary(
                    key: customer.key, name: customer.name, region: customer.region, accountManager: customer.accountManager,
                    tam: customer.tam,
                    tier: try FindRecord.activeTier(
                        db, customerID: customer.id, on: try policy.day(of: now, storedRegion: customer.region, table: "customer")))
            }
            let total = try Self.count(db, "SELECT count(*) FROM customer \(conditions.sql)", conditions)
            return Listing(items: items, total: total, customerNames: Dictionary(items.map { ($0.key, $0.name) }) { a, _ in a })
        }
    }

    /// How many units match `filter`: from `unit_tally` when only the customer and status narrow it (the whole
    /// fleet, one customer's units, the units in a status), else counted.
    private static func unitTotal(_ db: any SQLConnection, _ filter: UnitFilter, orCount from: String, _ conditions: SQLConditions) throws
        -> Int
    {
        guard filter.model == nil, filter.serialContains == nil, !filter.withoutOpenRMA else {
            return try count(db, "SELECT count(*) \(from)", conditions)
        }
        var tallied = SQLConditions()
        if let status = filter.status { tallied.add("status = ?", status.rawValue) }
        if let customer = filter.customer {
            tallied.add("customer_id = (SELECT id FROM customer c WHERE c.key = \(CustomerKeySQL.typed))", customer, customer)
        }
        return try count(db, "SELECT CAST(coalesce(sum(units), 0) AS BIGINT) FROM unit_tally \(tallied.sql)", tallied)
    }
}
