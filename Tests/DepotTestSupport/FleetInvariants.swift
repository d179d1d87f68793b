import DepotStore

/// The fleet's invariants for the tests: the store's (`depot check` runs them) and the tallies' recount, and the
/// audit log's growth since a snapshot.
extension FleetInvariants {
    /// The invariants the database breaks, one readable sentence each naming the record; empty when all hold.
    public static func violations(in database: DepotDatabase) throws -> [String] {
        try database.read { db in
            // The counts pages read (issue 16) equal a recount of the units, when the database has them.
            try violations(db) + (try db.tableExists("unit_tally") ? try Tallies.drift(db) : [])
        }
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
