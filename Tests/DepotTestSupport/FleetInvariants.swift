import DepotStore

/// The fleet's invariants (SPEC.md 10) as queries: what must hold in a Depot database after every change.
/// Each check names the records that break it, so a failing model-based test says what went wrong, not only that
/// something did.
public enum FleetInvariants {
    /// The invariants the database breaks, one readable sentence each naming the record; empty when all hold.
    public static func violations(in database: DepotDatabase) throws -> [String] {
        try database.read { db in try violations(db) }
    }

    /// The invariants broken, plus the audit log's changes since `snapshot`: rows may only be added, and rows
    /// that existed then must be unchanged, except those about a customer in `erasedCustomers` (the keys of the
    /// customers whose contacts were erased since the snapshot: erasure rewrites their personal data in the log).
    public static func violations(
        in database: DepotDatabase, auditSince snapshot: AuditSnapshot,
        erasedCustomers: Set<String> = []
    ) throws -> [String] {
        try violations(in: database) + snapshot.changes(in: database, erasedCustomers: erasedCustomers).changes
    }

    /// Statuses of a unit at a customer's site, a depot, and on its way to a customer.
    static let atSite = ["in-service", "suspect", "defective", "retired", "return-in-transit"]
    static let atDepot = ["in-stock", "allocated", "returned", "scrapped"]

    static func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }

    static func violations(_ db: any SQLConnection) throws -> [String] {
        var found: [String] = []
        func each(_ sql: String, _ sentence: (InvariantRow) -> String) throws {
            for row in try db.rows(sql, source: "invariant") { found.append(sentence(InvariantRow(row: row))) }
        }
        let rmaColumns = Set(try db.columns(of: "rma"))
        let rmaKeepsCustomer = rmaColumns.contains("customer_id") && rmaColumns.contains("site_id")

        // Every unit is in exactly one place with a status that agrees with it.
        try each(
            """
            SELECT a.serial, a.status, a.customer_id, a.site_id, a.depot_id, s.customer_id AS site_customer FROM appliance a
            LEFT JOIN site s ON s.id = a.site_id
            WHERE a.status IN (\(list(atSite + ["in-transit"])))
              AND (a.customer_id IS NULL OR a.site_id IS NULL OR a.depot_id IS NOT NULL OR s.customer_id IS DISTINCT FROM a.customer_id)
            """
        ) { row in
            "unit \(row.text("serial")) is \(row.text("status")) but is not at one site of its customer "
                + "(customer #\(row.text("customer_id")), site #\(row.text("site_id")) of customer #\(row.text("site_customer")), depot #\(row.text("depot_id")))"
        }
        try each(
            """
            SELECT serial, status, customer_id, site_id, depot_id FROM appliance
            WHERE status IN (\(list(atDepot))) AND (depot_id IS NULL OR customer_id IS NOT NULL OR site_id IS NOT NULL)
            """
        ) { row in
            "unit \(row.text("serial")) is \(row.text("status")) but is not at one depot "
                + "(depot #\(row.text("depot_id")), customer #\(row.text("customer_id")), site #\(row.text("site_id")))"
        }
        try each(
            """
            SELECT a.serial, (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'shipped') AS shipping
            FROM appliance a WHERE a.status = 'in-transit'
              AND (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'shipped') <> 1
            """
        ) { row in
            "unit \(row.text("serial")) is in-transit but is the shipped replacement of \(row.text("shipping")) open RMAs (expected 1)"
        }

        // Lineage is acyclic.
        try each("SELECT serial FROM appliance WHERE replaces_id = id OR replaced_by_id = id") { row in
            "unit \(row.text("serial")) replaces or is replaced by itself"
        }
        for column in ["replaces_id", "replaced_by_id"] {
            try each(
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
        try each("SELECT number FROM rma WHERE replacement_id = appliance_id") { row in
            "RMA \(row.text("number")) names its defective unit as its own replacement"
        }

        // Every open RMA's units agree with its state.
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
                """, "its replacement at the RMA's customer"
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
            try each(
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
        try each(
            """
            SELECT a.serial, (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'allocated') AS holders
            FROM appliance a WHERE a.status = 'allocated'
              AND (SELECT count(*) FROM rma r WHERE r.replacement_id = a.id AND r.state = 'allocated') <> 1
            """
        ) { row in
            "unit \(row.text("serial")) is allocated but reserved by \(row.text("holders")) open RMAs in state allocated (expected 1)"
        }
        try each(
            """
            SELECT a.serial, \(db.dialect.listAggregate("r.number", separator: ", ", orderBy: "r.number")) AS numbers FROM rma r JOIN appliance a ON a.id = r.replacement_id
            WHERE \(open) GROUP BY a.id HAVING count(*) > 1
            """
        ) { row in
            "unit \(row.text("serial")) is the replacement of several open RMAs: \(row.text("numbers"))"
        }
        try each(
            """
            SELECT a.serial, \(db.dialect.listAggregate("r.number", separator: ", ", orderBy: "r.number")) AS numbers FROM rma r JOIN appliance a ON a.id = r.appliance_id
            WHERE \(open) GROUP BY a.id HAVING count(*) > 1
            """
        ) { row in
            "unit \(row.text("serial")) is the defective unit of several open RMAs: \(row.text("numbers"))"
        }
        try each(
            """
            SELECT r.number, r.state, p.serial, p.status FROM rma r JOIN appliance p ON p.id = r.replacement_id
            WHERE r.state IN ('closed', 'cancelled') AND p.status IN ('allocated', 'in-transit')
              AND NOT EXISTS (SELECT 1 FROM rma o WHERE o.replacement_id = p.id AND o.state NOT IN ('closed', 'cancelled'))
            """
        ) { row in
            "RMA \(row.text("number")) is \(row.text("state")) but its replacement \(row.text("serial")) is still \(row.text("status"))"
        }

        // An RMA keeps the customer and site of its creation: its case's customer and one of that customer's sites.
        if rmaKeepsCustomer {
            try each(
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
            found.append("the rma table has no customer_id and site_id: an RMA does not keep the customer and site of its creation")
        }

        // Events in order: each case's and RMA's events never go back in time by id.
        for (table, owner, kind) in [("case_event", "case_id", "case"), ("rma_event", "rma_id", "RMA")] {
            let numbers = table == "case_event" ? "support_case" : "rma"
            try each(
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
        // The counts pages read (issue 16) equal a recount of the units, when the database has them.
        if try db.tableExists("unit_tally") { found += try Tallies.drift(db) }
        return found
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

/// The audit log as it was: each row's hash and the customer it is about, to tell later that rows were only added.
public struct AuditSnapshot: Sendable {
    /// Row id -> (hash of every column, the key of the customer the row is about, when one is).
    let rows: [Int64: (hash: UInt64, customer: String?)]
    /// The number of rows.
    public var count: Int { rows.count }

    /// The audit log of `database` now.
    public static func capture(_ database: DepotDatabase) throws -> AuditSnapshot {
        try database.read { db in try capture(db) }
    }

    /// Every audit row with `depot_owner`, the key of the customer it is about (by the case, RMA, customer, contact or
    /// attachment's case it names), or NULL.
    public static func ownerSQL(_ dialect: SQLDialect) -> String {
        // Every audit row's details are a JSON object Depot wrote (JSONText.object); SQLite checks, PostgreSQL casts.
        let caseOfDetails =
            switch dialect {
            case .sqlite: "json_valid(a.details) AND k.number = json_extract(a.details, '$.case')"
            case .postgres: "k.number = CAST(a.details AS json) ->> 'case'"
            }
        return """
            SELECT a.*, CASE a.entity
                WHEN 'customer' THEN (SELECT key FROM customer WHERE key = a.entity_key)
                WHEN 'case' THEN (SELECT c.key FROM support_case k JOIN customer c ON c.id = k.customer_id WHERE k.number = a.entity_key)
                WHEN 'rma' THEN (SELECT c.key FROM rma r JOIN support_case k ON k.id = r.case_id JOIN customer c ON c.id = k.customer_id
                                 WHERE r.number = a.entity_key)
                WHEN 'contact' THEN (SELECT c.key FROM contact t JOIN customer c ON c.id = t.customer_id WHERE t.email = a.entity_key)
                ELSE (SELECT c.key FROM support_case k JOIN customer c ON c.id = k.customer_id
                      WHERE \(caseOfDetails))
                END AS depot_owner
            FROM audit a
            """
    }

    /// The log now; the customers of rows `previous` knew are taken from it (a row's customer is fixed when it is written).
    static func capture(_ db: any SQLConnection, previous: AuditSnapshot? = nil) throws -> AuditSnapshot {
        var rows: [Int64: (hash: UInt64, customer: String?)] = [:]
        let known = previous?.rows ?? [:]
        let newest = known.keys.max() ?? 0
        // Every column, each with its kind (so NULL and '' differ), in one text per row: whatever columns the log
        // has now.
        try db.each("SELECT * FROM audit", []) { row in
            var text = ""
            var id: Int64 = 0
            for index in 0..<row.columnCount {
                let cell = row.cell(at: index)
                if row.columnName(at: index) == "id", case .integer(let value) = cell { id = value }
                text += "\(cell)|"
            }
            rows[id] = (hash(text), known[id]?.customer)
            return true
        }
        for row in try db.rows("SELECT id, depot_owner FROM (\(ownerSQL(db.dialect))) o WHERE id > ?", [newest], source: "audit") {
            let id: Int64 = try row("id")
            rows[id]?.customer = try row.optional("depot_owner")
        }
        // The customer the log itself names (audit.customer_id, from migration v8) comes first.
        if try db.columns(of: "audit").contains("customer_id") {
            let named = "SELECT a.id, c.key FROM audit a JOIN customer c ON c.id = a.customer_id WHERE a.id > ?"
            for row in try db.rows(named, [newest], source: "audit") {
                let id: Int64 = try row("id")
                rows[id]?.customer = try row("key")
            }
        }
        return AuditSnapshot(rows: rows)
    }

    /// FNV-1a of a row's text.
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// How the log of `database` differs from this snapshot other than by added rows (rows about `erasedCustomers`
    /// may be rewritten), and the log now, to compare the next change with.
    public func changes(in database: DepotDatabase, erasedCustomers: Set<String> = []) throws -> (changes: [String], now: AuditSnapshot) {
        let now = try database.read { db in try AuditSnapshot.capture(db, previous: self) }
        var found: [String] = []
        if now.count < count { found.append("the audit log shrank from \(count) to \(now.count) rows") }
        for (id, old) in rows.sorted(by: { $0.key < $1.key }) {
            if let owner = old.customer, erasedCustomers.contains(owner) { continue }
            guard let new = now.rows[id] else {
                found.append("audit row #\(id) (about \(old.customer ?? "no customer")) was deleted")
                continue
            }
            if new.hash != old.hash { found.append("audit row #\(id) (about \(old.customer ?? "no customer")) was changed") }
        }
        return (found, now)
    }
}

extension StoredRow {
    /// The value of `column` as `T`; a test stops on a missing or unreadable one.
    public subscript<T: StoredValue>(_ column: String) -> T { try! self(column) }

    /// The value of `column` as `T`, `nil` when NULL; a test stops on a missing or unreadable one.
    public subscript<T: StoredValue>(_ column: String) -> T? { try! optional(column) }
}
