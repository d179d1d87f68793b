import DepotCore
import Foundation
import GRDB
import GRDBSQLite

/// What an import inserted, counted as `Tallies` count it, while the insert trigger is set aside for the load;
/// `flush` adds it to the tallies with one statement per tally row. The reading thread counts every complete row
/// (the database thread is the import's critical path: counting there cost 0.5 s of 1,000,000 rows); the database
/// thread takes back the few that turn out not to be new. Updates of units held before the import still go
/// through the update trigger.
struct ImportTally: Sendable {
    private struct UnitKey: Hashable, Sendable {
        let customer: Int64
        let depot: Int64
        let status: ApplianceStatus
        let model: Int64
    }

    private struct WarrantyKey: Hashable, Sendable {
        /// Year * 12 + month - 1 of the warranty end.
        let month: Int
        let customer: Int64
    }

    private var units: [UnitKey: Int] = [:]
    private var warranties: [WarrantyKey: Int] = [:]

    /// Counts `count` units (-1 takes one back) like a row that would insert a new unit, when it is complete.
    mutating func add(_ row: PreparedAppliance, count: Int = 1) {
        guard let model = row.modelID, let warrantyEnd = row.warrantyEnd, let location = row.location, row.shipDateText != nil else {
            return
        }
        let status = row.status ?? ApplianceWriter.defaultStatus(location)
        switch location {
        case let .site(_, customer):
            units[UnitKey(customer: customer, depot: 0, status: status, model: 0), default: 0] += count
            if status == .inService || status == .suspect || status == .defective, let month = Self.month(warrantyEnd) {
                warranties[WarrantyKey(month: month, customer: customer), default: 0] += count
            }
        case let .depot(depot):
            units[UnitKey(customer: 0, depot: depot, status: status, model: model), default: 0] += count
        }
    }

    /// This tally plus `other`.
    mutating func merge(_ other: ImportTally) {
        units.merge(other.units, uniquingKeysWith: +)
        warranties.merge(other.warranties, uniquingKeysWith: +)
    }

    /// Year * 12 + month - 1 of an ISO date's text (`2026-12-01`).
    private static func month(_ date: String) -> Int? {
        var text = date
        return text.withUTF8 { bytes -> Int? in
            guard bytes.count >= 7, bytes[4] == UInt8(ascii: "-") else { return nil }
            var year = 0
            for byte in bytes[0..<4] {
                guard (48...57).contains(byte) else { return nil }
                year = year * 10 + Int(byte - 48)
            }
            guard (48...57).contains(bytes[5]), (48...57).contains(bytes[6]) else { return nil }
            let month = Int(bytes[5] - 48) * 10 + Int(bytes[6] - 48)
            return (1...12).contains(month) ? year * 12 + month - 1 : nil
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Adds the counts to the tallies on PostgreSQL: each tally's rows with one `COPY` into a temporary table and one
    /// `INSERT ... SELECT ... ON CONFLICT` from it, in key order. One statement per tally row cost a round trip each:
    /// 4 of the 5 seconds of a 20,000-unit import (18,514 warranty rows).
    func flush(postgres db: PGConnection) throws {
        var units = ""
        for (key, count) in self.units where count != 0 {
            units += "\(key.customer)\t\(key.depot)\t\(PGConnection.copyField(key.status.rawValue))\t\(key.model)\t\(count)\n"
        }
        var warranties = ""
        for (key, count) in self.warranties where count != 0 {
            warranties += "\(Self.monthText(key.month))\t\(key.customer)\t\(count)\n"
        }
        try db.execute(
            """
            CREATE TEMPORARY TABLE unit_tally_import (customer_id bigint NOT NULL, depot_id bigint NOT NULL,
                status text COLLATE "C" NOT NULL, model_id bigint NOT NULL, units bigint NOT NULL) ON COMMIT DROP
            """)
        try db.execute(
            """
            CREATE TEMPORARY TABLE warranty_tally_import (month text COLLATE "C" NOT NULL, customer_id bigint NOT NULL,
                units bigint NOT NULL) ON COMMIT DROP
            """)
        try db.copy(into: "unit_tally_import", columns: ["customer_id", "depot_id", "status", "model_id", "units"], text: units)
        try db.copy(into: "warranty_tally_import", columns: ["month", "customer_id", "units"], text: warranties)
        try db.execute(
            """
            INSERT INTO unit_tally (customer_id, depot_id, status, model_id, units)
            SELECT customer_id, depot_id, status, model_id, units FROM unit_tally_import ORDER BY customer_id, depot_id, status, model_id
            ON CONFLICT (customer_id, depot_id, status, model_id) DO UPDATE SET units = unit_tally.units + excluded.units
            """)
        try db.execute(
            """
            INSERT INTO warranty_tally (month, customer_id, units)
            SELECT month, customer_id, units FROM warranty_tally_import ORDER BY month, customer_id
            ON CONFLICT (month, customer_id) DO UPDATE SET units = warranty_tally.units + excluded.units
            """)
        try db.execute("DROP TABLE unit_tally_import, warranty_tally_import")
    }

    /// `YYYY-MM` of year * 12 + month - 1.
    static func monthText(_ month: Int) -> String {
        let (year, number) = (month / 12, month % 12 + 1)
        return (year < 1000 ? String(repeating: "0", count: year < 10 ? 3 : year < 100 ? 2 : 1) : "") + "\(year)-"
            + (number < 10 ? "0" : "") + "\(number)"
    }

    /// Adds the counts to the tallies.
    func flush(_ db: Database) throws {
        let unitStatement = try db.makeStatement(
            sql: """
                INSERT INTO unit_tally (customer_id, depot_id, status, model_id, units) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET units = units + excluded.units
                """)
        // In the tallies' key order, so that each insert lands next to the one before (random order measured a
        // tenth of a 1,000,000-row import's database time with 144,000 warranty rows).
        let unitRows = units.sorted { a, b in
            (a.key.customer, a.key.depot, a.key.status.rawValue, a.key.model) < (
                b.key.customer, b.key.depot, b.key.status.rawValue, b.key.model
            )
        }
        for (key, count) in unitRows {
            try unitStatement.execute(arguments: [key.customer, key.depot, key.status.rawValue, key.model, count])
        }
        // 64 rows per statement: SQLite's cost per statement is then paid once per group (a fleet with many
        // customers has a row per customer and month: 186,000 for 1,000,000 units at 2,000 customers).
        let rows = warranties.sorted { a, b in (a.key.month, a.key.customer) < (b.key.month, b.key.customer) }
        func statement(rows count: Int) throws -> Statement {
            try db.makeStatement(
                sql: "INSERT INTO warranty_tally (month, customer_id, units) VALUES "
                    + Array(repeating: "(?, ?, ?)", count: count).joined(separator: ", ")
                    + " ON CONFLICT DO UPDATE SET units = units + excluded.units")
        }
        let group = 64
        let full = try statement(rows: group)
        var start = 0
        while start < rows.count {
            let end = min(start + group, rows.count)
            // The statement object owns the handle: it stays alive until the step is done.
            let prepared = end - start == group ? full : try statement(rows: end - start)
            let handle = prepared.sqliteStatement
            for (offset, (key, count)) in rows[start..<end].enumerated() {
                let text = Self.monthText(key.month)
                let index = Int32(offset * 3)
                _ = text.withCString { sqlite3_bind_text(handle, index + 1, $0, -1, Self.transient) }
                sqlite3_bind_int64(handle, index + 2, key.customer)
                sqlite3_bind_int64(handle, index + 3, Int64(count))
            }
            let code = withExtendedLifetime(prepared) { () -> Int32 in
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                return code
            }
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "warranty_tally") }
            start = end
        }
    }
}
