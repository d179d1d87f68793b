import DepotCore
import GRDB

/// What an import inserted, counted as `Tallies` count it, while the insert trigger is set aside for the load;
/// `flush` adds it to the tallies with one statement per tally row. Updates of units held before the import
/// still go through the update trigger.
struct ImportTally {
    private struct UnitKey: Hashable {
        let customer: Int64
        let depot: Int64
        let status: ApplianceStatus
        let model: Int64
    }

    private struct WarrantyKey: Hashable {
        let warrantyEnd: String
        let site: Int64
        let customer: Int64
    }

    private var units: [UnitKey: Int] = [:]
    private var warranties: [WarrantyKey: Int] = [:]

    /// Counts one inserted unit.
    mutating func add(model: Int64, location: UnitLocation, status: ApplianceStatus, warrantyEnd: String) {
        switch location {
        case let .site(site, customer):
            units[UnitKey(customer: customer, depot: 0, status: status, model: model), default: 0] += 1
            if status == .inService || status == .suspect || status == .defective {
                warranties[WarrantyKey(warrantyEnd: warrantyEnd, site: site, customer: customer), default: 0] += 1
            }
        case let .depot(depot):
            units[UnitKey(customer: 0, depot: depot, status: status, model: model), default: 0] += 1
        }
    }

    /// Adds the counts to the tallies.
    func flush(_ db: Database) throws {
        let unitStatement = try db.makeStatement(
            sql: """
                INSERT INTO unit_tally (customer_id, depot_id, status, model_id, units) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET units = units + excluded.units
                """)
        for (key, count) in units {
            try unitStatement.execute(arguments: [key.customer, key.depot, key.status.rawValue, key.model, count])
        }
        let warrantyStatement = try db.makeStatement(
            sql: """
                INSERT INTO warranty_tally (warranty_end, site_id, customer_id, units) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET units = units + excluded.units
                """)
        for (key, count) in warranties {
            try warrantyStatement.execute(arguments: [key.warrantyEnd, key.site, key.customer, count])
        }
    }
}
