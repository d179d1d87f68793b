import DepotCore

// The unit lookups on a backend without SQLite's point readers (PostgreSQL): the same columns in the same order,
// read through the connection's rows.

extension DepotDatabase {
    /// The columns of `unitSQL`, with PostgreSQL's list aggregation (ordered inside the aggregate).
    static func portableUnitSQL(extra: String) -> String {
        """
        SELECT a.serial, m.key, a.status, c.key, s.key, d.key, a.ship_date, a.warranty_end, a.replacement_warranty,
               a.software_version, r1.serial, r2.serial,
               (SELECT string_agg(number, ' ' ORDER BY id) FROM support_case WHERE appliance_id = a.id),
               (SELECT string_agg(number, ' ' ORDER BY id) FROM (SELECT id, number FROM rma WHERE appliance_id = a.id
                                                                 UNION SELECT id, number FROM rma WHERE replacement_id = a.id) u)\(extra)
        FROM appliance a JOIN model m ON m.id = a.model_id
        LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
        LEFT JOIN appliance r1 ON r1.id = a.replaces_id LEFT JOIN appliance r2 ON r2.id = a.replaced_by_id
        WHERE a.serial = ?
        """
    }

    /// `unitDetail` read through the connection.
    func portableUnitDetail(_ serial: Serial) throws(DepotError) -> UnitDetail {
        try read { db in
            try Self.firstUnit(db, Self.portableUnitSQL(extra: ""), serial) { row throws(DepotError) in try Self.unitDetail(row) }
        }
    }

    /// `unitOverview` read through the connection, in one snapshot.
    func portableUnitOverview(_ serial: Serial, at now: Instant) throws(DepotError) -> UnitOverview {
        let policy = policy
        return try read { db in
            let sql = Self.portableUnitSQL(extra: ", s.region, c.region, d.region, a.customer_id")
            let (unit, region, customerID) = try Self.firstUnit(db, sql, serial) {
                row throws(DepotError) -> (UnitDetail, (table: String, id: String)?, Int64?) in
                let stored = [("site", row.cell(at: 14)), ("customer", row.cell(at: 15)), ("depot", row.cell(at: 16))]
                let region = stored.lazy.compactMap { table, cell -> (table: String, id: String)? in
                    guard case .text(let id) = cell else { return nil }
                    return (table, id)
                }.first
                let customer: Int64? = if case .integer(let id) = row.cell(at: 17) { id } else { nil }
                return (try Self.unitDetail(row), region, customer)
            }
            let today =
                try region.map { (table, id) throws(DepotError) in try policy.day(of: now, storedRegion: id, table: table) }
                ?? policy.day(of: now, region: nil)
            guard let customerID else { return UnitOverview(unit: unit, today: today, activeContract: nil) }
            let contracts = try db.rows(
                "SELECT key, tier, start_date, end_date, max_contacts FROM contract WHERE customer_id = ? ORDER BY start_date, key",
                [customerID], source: "contract"
            ).map { row throws(DepotError) in try CustomerDetail.Contract(row, on: today) }
            return UnitOverview(unit: unit, today: today, activeContract: CustomerDetail.Contract.active(among: contracts, on: today))
        }
    }

    private static func firstUnit<T>(
        _ db: any SQLConnection, _ sql: String, _ serial: Serial, _ decode: (any SQLRow) throws(DepotError) -> T
    ) throws
        -> T
    {
        var found: T?
        try db.each(sql, [serial.text]) { row in
            found = try decode(row)
            return false
        }
        guard let found else { throw DepotError.notFound(kind: "appliance", key: serial.text) }
        return found
    }

    /// The unit of a row of `portableUnitSQL`, by position.
    private static func unitDetail(_ row: any SQLRow) throws(DepotError) -> UnitDetail {
        func value<T: StoredValue>(_ index: Int, _ table: String, _ column: String) throws(DepotError) -> T {
            let cell = row.cell(at: index)
            guard let value = T(cell: cell) else { throw .unreadableValue(table: table, column: column, value: cell.shown) }
            return value
        }
        func optional<T: StoredValue>(_ index: Int, _ table: String, _ column: String) throws(DepotError) -> T? {
            row.cell(at: index) == .null ? nil : try value(index, table, column) as T
        }
        func list<T: StoredValue>(_ index: Int, _ table: String, _ column: String) throws(DepotError) -> [T] {
            guard case .text(let text) = row.cell(at: index) else { return [] }
            return try text.split(separator: " ").map { (part) throws(DepotError) -> T in
                guard let value = T(cell: .text(String(part))) else {
                    throw .unreadableValue(table: table, column: column, value: String(part))
                }
                return value
            }
        }
        return UnitDetail(
            serial: try value(0, "appliance", "serial"), model: try value(1, "model", "key"), status: try value(2, "appliance", "status"),
            customer: try optional(3, "customer", "key"), site: try optional(4, "site", "key"), depot: try optional(5, "depot", "key"),
            shipDate: try value(6, "appliance", "ship_date"), warrantyEnd: try value(7, "appliance", "warranty_end"),
            replacementWarranty: try value(8, "appliance", "replacement_warranty"),
            softwareVersion: try optional(9, "appliance", "software_version"),
            replaces: try optional(10, "appliance", "serial"), replacedBy: try optional(11, "appliance", "serial"),
            cases: try list(12, "support_case", "number"), rmas: try list(13, "rma", "number"))
    }
}
