import DepotCore
import GRDB

extension Schema {
    /// Fleet size (issue 16): counts the pages show, kept in the transaction of every change instead of counted
    /// over the fleet on every view (see `Tallies`).
    static func v10(_ db: Database) throws {
        try db.execute(sql: Tallies.tablesSQL)
        try db.execute(sql: Tallies.triggersSQL)
        try Tallies.recount(GRDBConnection(db))
    }
}

/// Two aggregates of the `appliance` table, kept by triggers in the transaction of every change (workflows,
/// imports, erasure, a hand-made UPDATE in `sqlite3` alike). Their keys are chosen so that they stay small however
/// many units there are (a tally with a row per few units would cost the import as much as an index):
///
/// - `unit_tally`: units per customer (0 for none), depot (0 for none) and status, and per model for the units in
///   a depot (0 for units at a customer). The customer page and API count a customer's units from it, spare stock
///   counts the spares in stock and allocated per depot and model, the unit list its total when filtered only by
///   customer and status. At most customers × statuses + depots × models × statuses rows.
/// - `warranty_tally`: units in service (in-service, suspect, defective) per customer and calendar month of their
///   warranty end (`2026-12`). The accounts chart and its table by customer read this month and the next three
///   from it. At most customers × months rows; a month, not a day, because a day per customer would hold a row per
///   few units of a fleet with many customers (1,000,000 units at 2,000 customers: about 800,000 rows).
///
/// A bulk import bypasses the insert trigger (which costs 2-3 µs a row, more than the row's own insert) and adds
/// what it inserted in one statement per tally row at its end: `ImportTally`. `drift` compares both with a
/// recount; the model-based test runs it after every step.
public enum Tallies {
    static let inService = "('in-service', 'suspect', 'defective')"

    static let tablesSQL = """
        CREATE TABLE unit_tally (
            customer_id INTEGER NOT NULL,
            depot_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            model_id INTEGER NOT NULL,
            units INTEGER NOT NULL,
            PRIMARY KEY (customer_id, depot_id, status, model_id)
        ) WITHOUT ROWID;
        CREATE TABLE warranty_tally (
            month TEXT NOT NULL,
            customer_id INTEGER NOT NULL,
            units INTEGER NOT NULL,
            PRIMARY KEY (month, customer_id)
        ) WITHOUT ROWID;
        """

    /// The model column of `unit_tally` for a unit (`row.`): its model in a depot, 0 at a customer.
    static func tallyModel(_ row: String) -> String { "CASE WHEN \(row)customer_id IS NULL THEN \(row)model_id ELSE 0 END" }

    /// Adds `units` for the unit described by `row` (`NEW` or `OLD`), as statements of a trigger.
    static func addSQL(_ row: String, units: String) -> String {
        """
        INSERT INTO unit_tally (customer_id, depot_id, status, model_id, units)
        VALUES (ifnull(\(row).customer_id, 0), ifnull(\(row).depot_id, 0), \(row).status, \(tallyModel(row + ".")), \(units))
        ON CONFLICT DO UPDATE SET units = units + excluded.units;
        INSERT INTO warranty_tally (month, customer_id, units)
        SELECT substr(\(row).warranty_end, 1, 7), \(row).customer_id, \(units)
        WHERE \(row).customer_id IS NOT NULL AND \(row).status IN \(inService)
        ON CONFLICT DO UPDATE SET units = units + excluded.units;
        """
    }

    static let insertTriggerSQL = """
        CREATE TRIGGER appliance_tally_insert AFTER INSERT ON appliance BEGIN
        \(addSQL("NEW", units: "1"))
        END;
        """

    static let triggersSQL =
        insertTriggerSQL + """
            CREATE TRIGGER appliance_tally_delete AFTER DELETE ON appliance BEGIN
            \(addSQL("OLD", units: "-1"))
            END;
            CREATE TRIGGER appliance_tally_update
            AFTER UPDATE OF customer_id, depot_id, status, model_id, warranty_end ON appliance BEGIN
            \(addSQL("OLD", units: "-1"))
            \(addSQL("NEW", units: "1"))
            END;
            """

    /// The tallies counted afresh from `appliance`, as queries with the tallies' columns.
    static let unitRecountSQL = """
        SELECT coalesce(customer_id, 0), coalesce(depot_id, 0), status, \(tallyModel("")), count(*) FROM appliance GROUP BY 1, 2, 3, 4
        """
    static let warrantyRecountSQL = """
        SELECT substr(warranty_end, 1, 7), customer_id, count(*) FROM appliance
        WHERE customer_id IS NOT NULL AND status IN \(inService) GROUP BY 1, 2
        """

    /// Sets both tallies to a recount (the migration's start).
    static func recount(_ db: any SQLConnection) throws {
        try db.execute("DELETE FROM unit_tally")
        try db.execute("DELETE FROM warranty_tally")
        try db.execute("INSERT INTO unit_tally (customer_id, depot_id, status, model_id, units) \(unitRecountSQL)")
        try db.execute("INSERT INTO warranty_tally (month, customer_id, units) \(warrantyRecountSQL)")
    }

    /// Where a tally differs from a recount, one sentence per row (at most `limit`); empty when both agree.
    public static func drift(_ db: any SQLConnection, limit: Int = 20) throws -> [String] {
        var found: [String] = []
        let checks = [
            ("unit_tally", "customer_id, depot_id, status, model_id", unitRecountSQL),
            ("warranty_tally", "month, customer_id", warrantyRecountSQL),
        ]
        for (table, key, recount) in checks {
            let kept = "SELECT \(key), units FROM \(table) WHERE units <> 0"
            let sql = """
                SELECT 'kept', * FROM (\(kept) EXCEPT \(recount)) k
                UNION ALL SELECT 'counted', * FROM (\(recount) EXCEPT \(kept)) c
                LIMIT \(limit)
                """
            try db.each(sql, []) { row in
                let values = (1..<row.columnCount).map { index in
                    if case .text(let text) = row.cell(at: index) { return "\"\(text)\"" }
                    return row.cell(at: index).shown
                }
                found.append(
                    "\(table) (\(key), units) \(row.cell(at: 0) == .text("kept") ? "holds" : "misses the recount's")"
                        + " (\(values.joined(separator: ", ")))")
                return true
            }
        }
        return found
    }
}

extension DepotDatabase {
    /// Where the tallies differ from a recount of the units (empty when they agree): `depot check`.
    public func tallyDrift() throws(DepotError) -> [String] {
        try read { db in try Tallies.drift(db) }
    }

    /// Sets the tallies to a recount of the units in one transaction, audited, and returns the differences it
    /// repaired (`depot check --repair`: after a change made with the triggers set aside). Admins only.
    @discardableResult
    public func recountTallies(at: Instant, actor: ActingUser) throws(DepotError) -> [String] {
        try actor.require(.importData)
        let recordedAt = now()
        return try write { db in
            let drift = try Tallies.drift(db, limit: 1000)
            try Tallies.recount(db)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "recount", entity: "tallies", key: "unit_tally, warranty_tally",
                customerID: nil, details: ["differences": String(drift.count)])
            return drift
        }
    }
}
