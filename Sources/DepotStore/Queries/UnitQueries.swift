import DepotCore
import GRDB

/// An appliance as `depot unit show` presents it.
public struct UnitDetail: Sendable, Encodable {
    public let serial: String
    public let model: String
    public let status: ApplianceStatus
    public let customer: String?
    public let site: String?
    public let depot: String?
    public let shipDate: LocalDate
    public let warrantyEnd: LocalDate
    public let replacementWarranty: Bool
    public let softwareVersion: String?
    public let replaces: String?
    public let replacedBy: String?
    public let cases: [String]
    public let rmas: [String]

    enum CodingKeys: String, CodingKey {
        case serial, model, status, customer, site, depot, shipDate, warrantyEnd, replacementWarranty, softwareVersion, replaces, replacedBy, cases, rmas
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serial, forKey: .serial)
        try c.encode(model, forKey: .model)
        try c.encode(status, forKey: .status)
        try c.encode(customer, forKey: .customer)
        try c.encode(site, forKey: .site)
        try c.encode(depot, forKey: .depot)
        try c.encode(shipDate, forKey: .shipDate)
        try c.encode(warrantyEnd, forKey: .warrantyEnd)
        try c.encode(replacementWarranty, forKey: .replacementWarranty)
        try c.encode(softwareVersion, forKey: .softwareVersion)
        try c.encode(replaces, forKey: .replaces)
        try c.encode(replacedBy, forKey: .replacedBy)
        try c.encode(cases, forKey: .cases)
        try c.encode(rmas, forKey: .rmas)
    }
}

extension DepotDatabase {
    /// A unit with its place, warranty, lineage, cases and RMAs: one query (the unit API and page are the
    /// server's busiest reads), by the serial's unique index and the case and RMA indexes on the unit.
    public func unitDetail(_ serial: String) throws(DepotError) -> UnitDetail {
        try readOneStatement { db in
            guard let key = Serial(serial),
                  let row = try Row.fetchOne(db.cachedStatement(sql: """
                      SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, d.key AS depot, a.ship_date,
                             a.warranty_end, a.replacement_warranty, a.software_version, r1.serial AS replaces, r2.serial AS replaced_by,
                             (SELECT group_concat(number, ' ') FROM (SELECT number FROM support_case WHERE appliance_id = a.id ORDER BY id)) AS cases,
                             (SELECT group_concat(number, ' ') FROM (SELECT id, number FROM rma WHERE appliance_id = a.id
                                                                     UNION SELECT id, number FROM rma WHERE replacement_id = a.id ORDER BY id)) AS rmas
                      FROM appliance a JOIN model m ON m.id = a.model_id
                      LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
                      LEFT JOIN appliance r1 ON r1.id = a.replaces_id LEFT JOIN appliance r2 ON r2.id = a.replaced_by_id
                      WHERE a.serial = ?
                      """), arguments: [key.text])
            else { throw DepotError.notFound(kind: "appliance", key: serial) }
            // Columns by position (the SELECT's order): a lookup by name costs a lowercased copy per column.
            func list(_ index: Int) -> [String] { (row[index] as String?)?.split(separator: " ").map(String.init) ?? [] }
            return UnitDetail(
                serial: row[0], model: row[1], status: ApplianceStatus(rawValue: row[2]) ?? .inService,
                customer: row[3], site: row[4], depot: row[5],
                shipDate: LocalDate(iso: row[6] as String) ?? LocalDate(dayNumber: 0),
                warrantyEnd: LocalDate(iso: row[7] as String) ?? LocalDate(dayNumber: 0),
                replacementWarranty: row[8], softwareVersion: row[9], replaces: row[10], replacedBy: row[11], cases: list(12), rmas: list(13))
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
    public let customer: String?
    public let site: String?
    public let warrantyEnd: LocalDate
}

extension DepotDatabase {
    /// Units in a status (the support view's suspect units), by serial, at most `limit`.
    public func units(status: ApplianceStatus, limit: Int) throws(DepotError) -> [UnitSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, a.warranty_end
                FROM appliance a JOIN model m ON m.id = a.model_id
                LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id
                WHERE a.status = ? ORDER BY a.serial LIMIT ?
                """, arguments: [status.rawValue, limit]).map { row in
                UnitSummary(serial: row["serial"], model: row["model"], status: ApplianceStatus(rawValue: row["status"]) ?? status,
                            customer: row["customer"], site: row["site"],
                            warrantyEnd: LocalDate(iso: row["warranty_end"] as String) ?? LocalDate(dayNumber: 0))
            }
        }
    }
}
