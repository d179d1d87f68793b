import DepotCore

/// The fleet's invariants (SPEC.md 10) as queries: what must hold in a Depot database after every change, whoever
/// changed it. Each broken one is a sentence naming the records, so `depot check` (and a failing model-based test)
/// says what is wrong, not only that something is. Depot's workflows keep them; a database changed by hand, a restore
/// of a partial backup or a bug breaks them.
public enum FleetInvariants {
    /// Statuses of a unit at a customer's site, a depot, and on its way to a customer.
    static let atSite = ["in-service", "suspect", "defective", "retired", "return-in-transit"]
    static let atDepot = ["in-stock", "allocated", "returned", "scrapped"]

    static func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }

    public static func violations(_ db: any SQLConnection) throws -> [String] {
        var check = Check(db: db)
        try placement(&check)
        try lineage(&check)
        try openRMAs(&check)
        try spareHolders(&check)
        try rmaCustomers(&check)
        try eventOrder(&check)
        try surveys(&check)
        return check.found
    }

    /// A survey invites the contact of a closed case of the same customer, and an answer comes before its link expired
    /// (SPEC.md 9).
    static func surveys(_ check: inout Check) throws {
        try check.each(
            """
            SELECT k.number, k.status, s.customer_id, k.customer_id AS case_customer, s.invited_at, s.expires_at, s.answered_at
            FROM survey_invitation s JOIN support_case k ON k.id = s.case_id
            WHERE k.status <> 'closed' OR s.customer_id <> k.customer_id OR s.expires_at <= s.invited_at
               OR s.answered_at > s.expires_at
            ORDER BY k.number
            """
        ) { row in
            "the survey of \(row.text("number")) (case \(row.text("status")), customer #\(row.text("case_customer"))) is of customer "
                + "#\(row.text("customer_id")), invited \(row.text("invited_at")), expires \(row.text("expires_at")), "
                + "answered \(row.text("answered_at"))"
        }
    }

    /// The sentences of the broken invariants, and the query that finds them.
    struct Check {
        let db: any SQLConnection
        var found: [String] = []

        /// Runs `sql` and adds a sentence for every row it finds.
        mutating func each(_ sql: String, _ sentence: (InvariantRow) -> String) throws {
            for row in try db.rows(sql, source: "invariant") { found.append(sentence(InvariantRow(row: row))) }
        }
    }

    /// Every unit is in exactly one place with a status that agrees with it.
    static func placement(_ check: inout Check) throws {
        try check.each(
            """
            SELECT a.serial, a.status, a.customer_id, a.site_id, a.depot_id, s.customer_id AS site_customer FROM appliance a
            LEFT JOIN site s ON s.id = a.site_id
            WHERE a.status IN (\(list(atSite + ["in-transit"])))
              AND (a.customer_id IS NULL OR a.site_id IS NULL OR a.depot_id IS NOT NULL OR s.customer_id IS DISTINCT FROM a.customer_id)
            ORDER BY a.serial
            """
        ) { row in
            "unit \(row.text("serial")) is \(row.text("status")) but is not at one site of its customer "
                + "(customer #\(row.text("customer_id")), site #\(row.text("site_id")) of customer #\(row.text("site_customer")), depot #\(row.text("depot_id")))"
        }
        try check.each(
            """
            SELECT serial, status, customer_id, site_id, depot_id FROM appliance
            WHERE status IN (\(list(atDepot))) AND (depot_id IS NULL OR customer_id IS NOT NULL OR site_id IS NOT NULL)
            ORDER BY serial
            """
        ) { row in
            "unit \(row.text("serial")) is \(row.text("status")) but is not at one depot "
                + "(depot #\(row.text("depot_id")), customer #\(row.text("customer_id")), site #\(row.text("site_id")))"
        }
        try check.each(
            """
            SELECT a.serial, (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'shipped') AS shipping
            FROM appliance a WHERE a.status = 'in-transit'
              AND (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'shipped') <> 1
            ORDER BY a.serial
            """
        ) { row in
            "unit \(row.text("serial")) is in-transit but is the shipped replacement of \(row.text("shipping")) open RMAs (expected 1)"
        }
    }

    /// Lineage is acyclic.
    static func lineage(_ check: inout Check) throws {
        try check.each("SELECT serial FROM appliance WHERE replaces_id = id OR replaced_by_id = id ORDER BY serial") { row in
            "unit \(row.text("serial")) replaces or is replaced by itself"
        }
        for column in ["replaces_id", "replaced_by_id"] {
            try check.each(
                """
                WITH RECURSIVE walk(start, id, depth) AS (
                    SELECT id, \(column), 1 FROM appliance WHERE \(column) IS NOT NULL AND \(column) <> id
                    UNION ALL
                    SELECT w.start, a.\(column), w.depth + 1 FROM walk w JOIN appliance a ON a.id = w.id
                    WHERE a.\(column) IS NOT NULL AND w.id <> w.start AND w.depth <= (SELECT count(*) FROM appliance))
                SELECT DISTINCT a.serial FROM walk w JOIN appliance a ON a.id = w.start WHERE w.id = w.start ORDER BY a.serial
                """
            ) { row in
                "unit \(row.text("serial")) is in a loop of its lineage (following \(column))"
            }
        }
        try check.each("SELECT number FROM rma WHERE replacement_id = appliance_id ORDER BY number") { row in
            "RMA \(row.text("number")) names its defective unit as its own replacement"
        }
    }

    /// Every open RMA's units agree with its state.
    static func openRMAs(_ check: inout Check) throws {
        let rmaColumns = Set(try check.db.columns(of: "rma"))
        let rmaKeepsCustomer = rmaColumns.contains("customer_id") && rmaColumns.contains("site_id")
        let open = "r.state NOT IN ('closed', 'cancelled')"
        let rmaCustomer = rmaKeepsCustomer ? "r.customer_id" : "k.customer_id"
        let expectations: [(condition: String, expected: String)] = [
            ("r.state IN ('approved', 'awaiting-return', 'referred') AND r.replacement_id IS NOT NULL", "no replacement"),
            ("r.state = 'allocated' AND p.status IS DISTINCT FROM 'allocated'", "its replacement allocated"),
            ("r.state = 'shipped' AND p.status IS DISTINCT FROM 'in-transit'", "its replacement in-transit"),
            (
                """
                ((r.path = 'advance-replacement' AND r.state IN ('delivered', 'return-shipped', 'return-received'))
                 OR (r.path = 'return-then-replace' AND r.state = 'delivered'))
                AND (p.status IS NULL OR p.status NOT IN (\(list(atSite))) OR p.customer_id IS DISTINCT FROM \(rmaCustomer))
                AND NOT EXISTS (SELECT 1 FROM rma later WHERE later.appliance_id = r.replacement_id AND later.id > r.id)
                """, "its replacement at the RMA's customer (or under a later RMA of its own)"
            ),
            (
                "r.path = 'advance-replacement' AND r.state IN ('approved', 'allocated', 'shipped', 'delivered') AND u.status <> 'defective'",
                "its defective unit defective at the customer"
            ),
            ("r.state = 'referred' AND u.status <> 'defective'", "its defective unit defective at the customer"),
            (
                "r.state = 'awaiting-return' AND u.status NOT IN ('defective', 'return-in-transit')",
                "its defective unit defective or on its way back"
            ),
            (
                "r.path = 'advance-replacement' AND r.state = 'return-shipped' AND u.status <> 'return-in-transit'",
                "its defective unit return-in-transit"
            ),
            (
                """
                (r.state = 'return-received' OR (r.path = 'return-then-replace' AND r.state IN ('allocated', 'shipped', 'delivered')))
                AND (u.status <> 'returned' OR u.depot_id IS NULL)
                """, "its defective unit returned at a depot"
            ),
        ]
        for (condition, expected) in expectations {
            try check.each(
                """
                SELECT r.number, r.path, r.state, u.serial, u.status AS unit_status, p.serial AS replacement, p.status AS replacement_status
                FROM rma r JOIN support_case k ON k.id = r.case_id JOIN appliance u ON u.id = r.appliance_id
                LEFT JOIN appliance p ON p.id = r.replacement_id
                WHERE \(open) AND \(condition)
                ORDER BY r.number
                """
            ) { row in
                "RMA \(row.text("number")) (\(row.text("path")), \(row.text("state"))) expects \(expected); unit "
                    + "\(row.text("serial")) is \(row.text("unit_status")), replacement \(row.text("replacement")) is \(row.text("replacement_status"))"
            }
        }
    }

    /// A spare is reserved by, and the replacement of, one open RMA at a time; a unit is the defective unit of one.
    static func spareHolders(_ check: inout Check) throws {
        let open = "r.state NOT IN ('closed', 'cancelled')"
        try check.each(
            """
            SELECT a.serial, (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'allocated') AS holders
            FROM appliance a WHERE a.status = 'allocated'
              AND (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'allocated') <> 1
            ORDER BY a.serial
            """
        ) { row in
            "unit \(row.text("serial")) is allocated but reserved by \(row.text("holders")) open RMAs in state allocated (expected 1)"
        }
        try check.each(
            """
            SELECT a.serial, \(check.db.dialect.listAggregate("r.number", separator: ", ", orderBy: "r.number")) AS numbers FROM rma r JOIN appliance a ON a.id = r.replacement_id
            WHERE \(open) GROUP BY a.id, a.serial HAVING count(*) > 1 ORDER BY a.serial
            """
        ) { row in
            "unit \(row.text("serial")) is the replacement of several open RMAs: \(row.text("numbers"))"
        }
        try check.each(
            """
            SELECT a.serial, \(check.db.dialect.listAggregate("r.number", separator: ", ", orderBy: "r.number")) AS numbers FROM rma r JOIN appliance a ON a.id = r.appliance_id
            WHERE \(open) GROUP BY a.id, a.serial HAVING count(*) > 1 ORDER BY a.serial
            """
        ) { row in
            "unit \(row.text("serial")) is the defective unit of several open RMAs: \(row.text("numbers"))"
        }
        try check.each(
            """
            SELECT r.number, r.state, p.serial, p.status FROM rma r JOIN appliance p ON p.id = r.replacement_id
            WHERE r.state IN ('closed', 'cancelled') AND p.status IN ('allocated', 'in-transit')
              AND NOT EXISTS (SELECT 1 FROM rma o WHERE o.replacement_id = p.id AND o.state NOT IN ('closed', 'cancelled'))
            ORDER BY r.number
            """
        ) { row in
            "RMA \(row.text("number")) is \(row.text("state")) but its replacement \(row.text("serial")) is still \(row.text("status"))"
        }
    }

    /// An RMA keeps the customer and site of its creation: its case's customer and one of that customer's sites.
    static func rmaCustomers(_ check: inout Check) throws {
        let rmaColumns = Set(try check.db.columns(of: "rma"))
        let rmaKeepsCustomer = rmaColumns.contains("customer_id") && rmaColumns.contains("site_id")
        if rmaKeepsCustomer {
            try check.each(
                """
                SELECT r.number, r.customer_id, r.site_id, k.customer_id AS case_customer, s.customer_id AS site_customer
                FROM rma r JOIN support_case k ON k.id = r.case_id LEFT JOIN site s ON s.id = r.site_id
                WHERE r.customer_id IS DISTINCT FROM k.customer_id OR r.site_id IS NULL OR s.customer_id IS DISTINCT FROM k.customer_id
                ORDER BY r.number
                """
            ) { row in
                "RMA \(row.text("number")) records customer #\(row.text("customer_id")) and site #\(row.text("site_id")) "
                    + "(of customer #\(row.text("site_customer"))), but its case is of customer #\(row.text("case_customer"))"
            }
        } else {
            check.found.append("the rma table has no customer_id and site_id: an RMA does not keep the customer and site of its creation")
        }
    }

    /// Events in order: each case's and RMA's events never go back in time by id.
    static func eventOrder(_ check: inout Check) throws {
        for (table, owner, kind) in [("case_event", "case_id", "case"), ("rma_event", "rma_id", "RMA")] {
            let numbers = table == "case_event" ? "support_case" : "rma"
            try check.each(
                """
                SELECT o.number, e.id, e.at, e.previous FROM (
                    SELECT id, \(owner) AS owner, at, lag(at) OVER (PARTITION BY \(owner) ORDER BY id) AS previous FROM \(table)) e
                JOIN \(numbers) o ON o.id = e.owner
                WHERE e.at < e.previous ORDER BY e.id
                """
            ) { row in
                "\(kind) \(row.text("number")): event #\(row.text("id")) at \(row.text("at")) is before the event before it (\(row.text("previous")))"
            }
        }
    }
}

extension DepotDatabase {
    /// The fleet's invariants this database breaks, one sentence each; empty when all hold.
    public func invariantViolations() throws(DepotError) -> [String] {
        try read { db in try FleetInvariants.violations(db) }
    }
}

/// A row an invariant's query found, its cells as text for the sentence that names it.
struct InvariantRow {
    let row: StoredRow

    /// The cell of `column` as text, `none` for NULL.
    func text(_ column: String) -> String {
        switch row.cell(column) {
        case .null?, nil: "none"
        case .integer(let n)?: String(n)
        case .real(let d)?: String(d)
        case .text(let s)?: s
        case .blob(let b)?: "\(b.count) bytes"
        }
    }
}
