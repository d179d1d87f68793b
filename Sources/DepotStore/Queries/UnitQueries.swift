import DepotCore
import GRDB

/// An appliance as `depot unit show` presents it.
public struct UnitDetail: Sendable, Encodable {
    public let serial: String
    public let model: String
    public let status: ApplianceStatus
    @NullEncodable public private(set) var customer: String?
    @NullEncodable public private(set) var site: String?
    @NullEncodable public private(set) var depot: String?
    public let shipDate: LocalDate
    public let warrantyEnd: LocalDate
    public let replacementWarranty: Bool
    @NullEncodable public private(set) var softwareVersion: String?
    @NullEncodable public private(set) var replaces: String?
    @NullEncodable public private(set) var replacedBy: String?
    public let cases: [String]
    public let rmas: [String]

    enum CodingKeys: String, CodingKey {
        case serial, model, status, customer, site, depot, shipDate, warrantyEnd, replacementWarranty, softwareVersion, replaces,
            replacedBy, cases, rmas
    }
}

extension DepotDatabase {
    /// A unit with its place, warranty, lineage, cases and RMAs: one query by the serial's unique index and
    /// the case and RMA indexes on the unit, run in place on a point reader (the unit API is the server's
    /// busiest read; see `PointReaders`).
    public func unitDetail(_ serial: String) throws(DepotError) -> UnitDetail {
        guard let key = Serial(serial) else { throw .notFound(kind: "appliance", key: serial) }
        let path = path
        return try points.with { (c) throws(DepotError) -> UnitDetail in
            let statement = try c.statement(1, Self.unitSQL)
            c.bind(statement, 1, key.text)
            defer { c.reset(statement) }
            guard try c.step(statement, path: path) else { throw .notFound(kind: "appliance", key: serial) }
            func list(_ index: Int32) -> [String] {
                c.text(statement, index)?.utf8.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) } ?? []
            }
            func value<T: StoredValue>(_ index: Int32, _ column: String) throws(DepotError) -> T {
                let text = c.text(statement, index)
                guard let text, let value = T(cell: .text(text)) else {
                    throw .unreadableValue(table: "appliance", column: column, value: text ?? "NULL")
                }
                return value
            }
            return UnitDetail(
                serial: try value(0, "serial"), model: try value(1, "model"), status: try value(2, "status"),
                customer: c.text(statement, 3), site: c.text(statement, 4), depot: c.text(statement, 5),
                shipDate: try value(6, "ship_date"), warrantyEnd: try value(7, "warranty_end"),
                replacementWarranty: c.int(statement, 8) != 0, softwareVersion: c.text(statement, 9),
                replaces: c.text(statement, 10), replacedBy: c.text(statement, 11), cases: list(12), rmas: list(13))
        }
    }

    private static let unitSQL = """
        SELECT a.serial, m.key, a.status, c.key, s.key, d.key, a.ship_date, a.warranty_end, a.replacement_warranty,
               a.software_version, r1.serial, r2.serial,
               (SELECT group_concat(number, ' ') FROM (SELECT number FROM support_case WHERE appliance_id = a.id ORDER BY id)),
               (SELECT group_concat(number, ' ') FROM (SELECT id, number FROM rma WHERE appliance_id = a.id
                                                       UNION SELECT id, number FROM rma WHERE replacement_id = a.id ORDER BY id))
        FROM appliance a JOIN model m ON m.id = a.model_id
        LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
        LEFT JOIN appliance r1 ON r1.id = a.replaces_id LEFT JOIN appliance r2 ON r2.id = a.replaced_by_id
        WHERE a.serial = ?
        """

    /// The region whose day applies to a unit (SPEC.md 2): its site's, else its customer's, else its depot's.
    public func region(ofUnit serial: String) throws(DepotError) -> String? {
        try read { db in
            let unit = try FindRecord.appliance(db, serial: serial)
            if let region = try FindRecord.region(db, siteID: unit.siteID, customerID: unit.customerID) { return region }
            return try String.fetchOne(db.cachedStatement(sql: "SELECT region FROM depot WHERE id = ?"), arguments: [unit.depotID])
        }
    }

    /// A unit's status.
    public func applianceStatus(_ serial: String) throws(DepotError) -> ApplianceStatus {
        try unitDetail(serial).status
    }

    /// A unit's warranty end as stored (for tests and reports).
    public func warrantyEnd(_ serial: String) throws(DepotError) -> String {
        try unitDetail(serial).warrantyEnd.description
    }
}

/// A unit in a list.
public struct UnitSummary: Sendable, Encodable {
    public let serial: String
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
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, a.warranty_end
                        FROM appliance a JOIN model m ON m.id = a.model_id
                        LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id
                        WHERE a.status = ? ORDER BY a.serial LIMIT ?
                        """), arguments: [status.rawValue, limit]
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
