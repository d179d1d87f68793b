import DepotCore
import Foundation
import GRDB

/// Numbers that are never reused: `CS-2026-000042`, `RMA-2026-000007`, counted per kind and year.
enum Counters {
    static func next<Record: Numbering>(_ db: Database, year: Int) throws -> RecordNumber<Record> {
        let name = "\(Record.kind.rawValue)-\(year)"
        let last =
            try Int.fetchOne(
                db, sql: "INSERT INTO counter (name, last) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last = last + 1 RETURNING last",
                arguments: [name]) ?? 1
        return RecordNumber(year: year, sequence: last)
    }
}
