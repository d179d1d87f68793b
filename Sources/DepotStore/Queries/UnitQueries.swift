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
    /// the case and RMA indexes on the unit, run in place on a point reader (the unit API is the server's
    /// busiest read; see `PointReaders`).
    public func unitDetail(_ serial: Serial) throws(DepotError) -> UnitDetail {
        if isPostgres { return try portableUnitDetail(serial) }
        let path = path
        return try points.with { (c) throws(DepotError) -> UnitDetail in
            let statement = try c.statement(1, Self.unitSQL)
            c.bind(statement, 1, serial.text)
            defer { c.reset(statement) }
            guard try c.step(statement, path: path) else { throw .notFound(kind: "appliance", key: serial.text) }
            return try Self.unitDetail(c, statement)
        }
    }

    /// What the unit page shows above its lists, read in one snapshot on a point reader: the unit, the day in its
    /// region (SPEC.md 2: its site's, else its customer's, else its depot's) and its customer's contract active on
    /// that day, the one the RMA engine would use for a verdict on the unit now.
    public func unitOverview(_ serial: Serial, at now: Instant) throws(DepotError) -> UnitOverview {
        if isPostgres { return try portableUnitOverview(serial, at: now) }
        let (path, policy) = (path, policy)
        return try points.with { (c) throws(DepotError) -> UnitOverview in
            try c.snapshot(path: path) { () throws(DepotError) -> UnitOverview in
                let statement = try c.statement(2, Self.overviewSQL)
                c.bind(statement, 1, serial.text)
                defer { c.reset(statement) }
                guard try c.step(statement, path: path) else { throw .notFound(kind: "appliance", key: serial.text) }
                let unit = try Self.unitDetail(c, statement)
                // A region the policy does not define would silently be read as UTC's day: refused as unreadable.
                let stored = [("site", c.text(statement, 14)), ("customer", c.text(statement, 15)), ("depot", c.text(statement, 16))]
                let region = stored.lazy.compactMap { table, id in id.map { (table: table, id: $0) } }.first
                let today =
                    try region.map { (table, id) throws(DepotError) in try policy.day(of: now, storedRegion: id, table: table) }
                    ?? policy.day(of: now, region: nil)
                guard let customerID = c.optionalInt(statement, 17) else {
                    return UnitOverview(unit: unit, today: today, activeContract: nil)
                }
                let contracts = try c.statement(3, Self.contractsSQL)
                c.bind(contracts, 1, customerID)
                defer { c.reset(contracts) }
                var all: [CustomerDetail.Contract] = []
                while try c.step(contracts, path: path) {
                    let start: LocalDate = try c.value(contracts, 2, table: "contract", column: "start_date")
                    let end: LocalDate = try c.value(contracts, 3, table: "contract", column: "end_date")
                    all.append(
                        CustomerDetail.Contract(
                            key: try c.value(contracts, 0, table: "contract", column: "key"),
                            tier: try c.value(contracts, 1, table: "contract", column: "tier"), start: start, end: end,
                            maxContacts: Int(c.int(contracts, 4)), active: start <= today && today <= end))
                }
                return UnitOverview(unit: unit, today: today, activeContract: CustomerDetail.Contract.active(among: all, on: today))
            }
        }
    }

    /// The unit of the current row of `unitSQL` or `overviewSQL`.
    private static func unitDetail(_ c: PointReaders.Connection, _ statement: OpaquePointer) throws(DepotError) -> UnitDetail {
        return UnitDetail(
            serial: try c.value(statement, 0, table: "appliance", column: "serial"),
            model: try c.value(statement, 1, table: "model", column: "key"),
            status: try c.value(statement, 2, table: "appliance", column: "status"),
            customer: c.text(statement, 3), site: c.text(statement, 4), depot: c.text(statement, 5),
            shipDate: try c.value(statement, 6, table: "appliance", column: "ship_date"),
            warrantyEnd: try c.value(statement, 7, table: "appliance", column: "warranty_end"),
            replacementWarranty: c.int(statement, 8) != 0, softwareVersion: c.text(statement, 9),
            replaces: try c.optionalValue(statement, 10, table: "appliance", column: "serial"),
            replacedBy: try c.optionalValue(statement, 11, table: "appliance", column: "serial"),
            cases: try c.list(statement, 12, table: "support_case", column: "number"),
            rmas: try c.list(statement, 13, table: "rma", column: "number"))
    }

    /// The unit's columns, then `extra` ones.
    private static func unitSQL(extra: String) -> String {
        """
        SELECT a.serial, m.key, a.status, c.key, s.key, d.key, a.ship_date, a.warranty_end, a.replacement_warranty,
               a.software_version, r1.serial, r2.serial,
               (SELECT group_concat(number, ' ') FROM (SELECT number FROM support_case WHERE appliance_id = a.id ORDER BY id)),
               (SELECT group_concat(number, ' ') FROM (SELECT id, number FROM rma WHERE appliance_id = a.id
                                                       UNION SELECT id, number FROM rma WHERE replacement_id = a.id ORDER BY id))\(extra)
        FROM appliance a JOIN model m ON m.id = a.model_id
        LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
        LEFT JOIN appliance r1 ON r1.id = a.replaces_id LEFT JOIN appliance r2 ON r2.id = a.replaced_by_id
        WHERE a.serial = ?
        """
    }

    private static let unitSQL = unitSQL(extra: "")
    /// Also the regions of the unit's site (14), customer (15) and depot (16), and its customer's id (17).
    private static let overviewSQL = unitSQL(extra: ", s.region, c.region, d.region, a.customer_id")
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
