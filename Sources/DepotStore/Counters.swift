import DepotCore
import Foundation

/// Numbers that are never reused: `CS-2026-000042`, `RMA-2026-000007`, counted per kind and year.
enum Counters {
    /// The counter's row: per kind and year.
    private static func name(_ kind: NumberedKind, year: Int) -> String { "\(kind.rawValue)-\(year)" }

    static func next<Record: Numbering>(_ db: any SQLConnection, year: Int) throws -> RecordNumber<Record> {
        RecordNumber(year: year, sequence: try reserve(Record.kind, db, year: year, count: 1))
    }

    /// Reserves the next `count` numbers of `kind` in `year` with one change of the counter (a group's cases take
    /// theirs together: the counter's row is changed once per group commit, not once per case); answers the last
    /// one, so the reserved are `last - count + 1 ... last`.
    static func reserve(_ kind: NumberedKind, _ db: any SQLConnection, year: Int, count: Int) throws -> Int {
        precondition(count > 0, "a reservation of no numbers")
        return try db.value(
            Int.self,
            "INSERT INTO counter (name, last) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET last = counter.last + ?2 RETURNING last",
            [name(kind, year: year), count]) ?? count
    }
}
