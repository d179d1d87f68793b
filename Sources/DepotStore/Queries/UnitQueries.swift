import DepotCore

/// An appliance as `depot unit show` presents it.
public struct UnitDetail: Sendable, Encodable {
    public let serial: Serial
    public let model: String
    public let status: ApplianceStatus
    @NullEncodable public private(set) var customer: String?
    @NullEncodable public private(set) var site: String?
    @NullEncodable public private(set) var depot: String?
    public let shipDate: LocalDate
    public let warrantyEnd: LocalDate
    public let replacementWarranty: Bool
    @NullEncodable public private(set) var softwareVersion: String?
    @NullEncodable public private(set) var replaces: Serial?
    @NullEncodable public private(set) var replacedBy: Serial?
    public let cases: [CaseNumber]
    public let rmas: [RMANumber]

    enum CodingKeys: String, CodingKey {
        case serial, model, status, customer, site, depot, shipDate, warrantyEnd, replacementWarranty, softwareVersion, replaces,
            replacedBy, cases, rmas
    }
}

extension DepotDatabase {
    /// A unit with its place, warranty, lineage, cases and RMAs: one query by the serial's unique index and
    /// the case and RMA indexes on the unit; on SQLite run in place on a point reader (the unit API is the server's
    /// busiest read; see `PointReaders`).
    public func unitDetail(_ serial: Serial) throws(DepotError) -> UnitDetail {
        try unitRow(serial, overview: false) { (row, _) throws(DepotError) in try Self.unitDetail(row) }
    }

    /// What the unit page shows above its lists, read in one snapshot: the unit, the day in its region (SPEC.md 2:
    /// its site's, else its customer's, else its depot's) and its customer's contract active on that day, the one the
    /// RMA engine would use for a verdict on the unit now.
    public func unitOverview(_ serial: Serial, at now: Instant) throws(DepotError) -> UnitOverview {
        let policy = policy
        return try unitRow(serial, overview: true) { (row, contracts) throws(DepotError) -> UnitOverview in
            let unit = try Self.unitDetail(row)
            // A region the policy does not define would silently be read as UTC's day: refused as unreadable.
            let stored = [("site", row.cell(at: 14)), ("customer", row.cell(at: 15)), ("depot", row.cell(at: 16))]
            let region = stored.lazy.compactMap { table, cell -> (table: String, id: String)? in
                guard case .text(let id) = cell else { return nil }
                return (table, id)
            }.first
            let today =
                try region.map { (table, id) throws(DepotError) in try policy.day(of: now, storedRegion: id, table: table) }
                ?? policy.day(of: now, region: nil)
            guard case .integer(let customerID) = row.cell(at: 17) else {
                return UnitOverview(unit: unit, today: today, activeContract: nil)
            }
            let all = try contracts(customerID, today)
            return UnitOverview(unit: unit, today: today, activeContract: CustomerDetail.Contract.active(among: all, on: today))
        }
    }

    /// Runs `body` on the unit's row (`overviewSQL` when `overview`, else `unitSQL`) with a reader of its customer's
    /// contracts in the same snapshot: on SQLite in place on a point reader, elsewhere in a read transaction.
    private func unitRow<T>(
        _ serial: Serial, overview: Bool,
        _ body: (any SQLRow, (Int64, LocalDate) throws(DepotError) -> [CustomerDetail.Contract]) throws(DepotError) -> T
    ) throws(DepotError) -> T {
        // The texts are made once (making one per lookup cost a third of the unit API's speed on SQLite).
        let sql = overview ? Self.overviewSQL : Self.unitSQL
        guard !isPostgres else {
            return try read { db in
                var unit: CopiedRow?
                try db.each(sql.postgres, [serial.text]) { row in
                    unit = CopiedRow(row)
                    return false
                }
                guard let unit else { throw DepotError.notFound(kind: "appliance", key: serial.text) }
                return try body(unit) { (customerID, today) throws(DepotError) in
                    do {
                        return try db.rows(Self.contractsSQL, [customerID], source: "contract").map { (row) throws(DepotError) in
                            try CustomerDetail.Contract(row, on: today)
                        }
                    } catch let error as DepotError {
                        throw error
                    } catch {
                        throw storageError(error)
                    }
                }
            }
        }
        let path = path
        return try points.with { (c) throws(DepotError) -> T in
            func lookup() throws(DepotError) -> T {
                let statement = try c.statement(overview ? 2 : 1, sql.sqlite)
                c.bind(statement, 1, serial.text)
                defer { c.reset(statement) }
                guard try c.step(statement, path: path) else { throw .notFound(kind: "appliance", key: serial.text) }
                return try body(c.row(statement)) { (customerID, today) throws(DepotError) in
                    let contracts = try c.statement(3, Self.contractsSQL)
                    c.bind(contracts, 1, customerID)
                    defer { c.reset(contracts) }
                    var all: [CustomerDetail.Contract] = []
                    while try c.step(contracts, path: path) {
                        all.append(try CustomerDetail.Contract(c.row(contracts).stored("contract"), on: today))
                    }
                    return all
                }
            }
            return overview ? try c.snapshot(path: path) { () throws(DepotError) in try lookup() } : try lookup()
        }
    }

    /// The unit of a row of `unitSQL` or `overviewSQL`, by position, on either backend.
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

    /// The unit's columns, then `extra` ones; its cases and RMAs as lists in the order they were opened.
    private static func unitSQL(extra: String) -> String {
        """
        SELECT a.serial, m.key, a.status, c.key, s.key, d.key, a.ship_date, a.warranty_end, a.replacement_warranty,
               a.software_version, r1.serial, r2.serial,
               (SELECT LIST(number) FROM (SELECT id, number FROM support_case WHERE appliance_id = a.id ORDER BY id) o),
               (SELECT LIST(number) FROM (SELECT id, number FROM rma WHERE appliance_id = a.id
                                          UNION SELECT id, number FROM rma WHERE replacement_id = a.id ORDER BY id) o)\(extra)
        FROM appliance a JOIN model m ON m.id = a.model_id
        LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
        LEFT JOIN appliance r1 ON r1.id = a.replaces_id LEFT JOIN appliance r2 ON r2.id = a.replaced_by_id
        WHERE a.serial = ?
        """
    }

    /// `sql` with each backend's list aggregation (SQLite keeps the ordered subquery's order).
    private static func byBackend(_ sql: String) -> (sqlite: String, postgres: String) {
        func with(_ dialect: SQLDialect) -> String {
            sql.replacingOccurrences(of: "LIST(number)", with: dialect.listAggregate("number", separator: " ", orderBy: "id"))
        }
        return (with(.sqlite), with(.postgres))
    }

    private static let unitSQL = byBackend(unitSQL(extra: ""))
    /// Also the regions of the unit's site (14), customer (15) and depot (16), and its customer's id (17).
    private static let overviewSQL = byBackend(unitSQL(extra: ", s.region, c.region, d.region, a.customer_id"))
    private static let contractsSQL =
        "SELECT key, tier, start_date, end_date, max_contacts FROM contract WHERE customer_id = ? ORDER BY start_date, key"

    /// A unit's status.
    public func applianceStatus(_ serial: Serial) throws(DepotError) -> ApplianceStatus {
        try unitDetail(serial).status
    }

    /// A unit's warranty end as stored (for tests and reports).
    public func warrantyEnd(_ serial: Serial) throws(DepotError) -> String {
        try unitDetail(serial).warrantyEnd.description
    }
}

/// A unit with the day in its region and its customer's active contract, as the unit page shows them.
public struct UnitOverview: Sendable {
    public let unit: UnitDetail
    /// The day in the unit's region, which decides whether it is in warranty and which contract is active.
    public let today: LocalDate
    public let activeContract: CustomerDetail.Contract?
}

/// A unit in a list.
public struct UnitSummary: Sendable, Encodable {
    public let serial: Serial
    public let model: String
    public let status: ApplianceStatus
    @NullEncodable public private(set) var customer: String?
    @NullEncodable public private(set) var site: String?
    public let warrantyEnd: LocalDate
}

extension DepotDatabase {
    /// Units in a status (the support view's suspect units), by serial, at most `limit`.
    public func units(status: ApplianceStatus, limit: Int) throws(DepotError) -> [UnitSummary] {
        try read { db in
            try db.rows(
                """
                SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, a.warranty_end
                FROM appliance a JOIN model m ON m.id = a.model_id
                LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id
                WHERE a.status = ? ORDER BY a.serial LIMIT ?
                """, [status.rawValue, limit], source: "query"
            ).map { row throws(DepotError) in
                let unit = row.stored("appliance")
                return UnitSummary(
                    serial: try unit("serial"), model: try unit("model"), status: try unit("status"),
                    customer: try unit.optional("customer"),
                    site: try unit.optional("site"), warrantyEnd: try unit("warranty_end"))
            }
        }
    }
}
