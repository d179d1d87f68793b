import DepotCore
import Foundation

/// Numbers that are never reused: `CS-2026-000042`, `RMA-2026-000007`, counted per kind and year.
enum Counters {
    static func next<Record: Numbering>(_ db: any SQLConnection, year: Int) throws -> RecordNumber<Record> {
        let name = "\(Record.kind.rawValue)-\(year)"
        let last =
            try db.value(
                Int.self,
                "INSERT INTO counter (name, last) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last = counter.last + 1 RETURNING last",
                [name]) ?? 1
        return RecordNumber(year: year, sequence: last)
    }
}
