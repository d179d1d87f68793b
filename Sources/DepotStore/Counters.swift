import DepotCore
import Foundation

/// Numbers that are never reused: `CS-2026-000042`, `RMA-2026-000007`, counted per kind and year.
enum Counters {
    /// The counter's row: per kind and year.
    private static func name(_ kind: NumberedKind, year: Int) -> String { "\(kind.rawValue)-\(year)" }

    static func next<Record: Numbering>(_ db: any SQLConnection, year: Int) throws -> RecordNumber<Record> {
        let counter = name(Record.kind, year: year)
        let last =
            try db.value(
                Int.self,
                "INSERT INTO counter (name, last) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last = counter.last + 1 RETURNING last",
                [counter]) ?? 1
        return RecordNumber(year: year, sequence: last)
    }

    /// Inserts a row of `table` numbered by the counter, with one statement (PostgreSQL only: the counter's answer was
    /// a round trip of its own before the insert's); `values` are those of `columns`, in order. The number is formatted
    /// in SQL as `NumberedKind.number` formats it (`CaseNumberingTests` checks both past 999,999).
    static func insertNumbered<Record: Numbering>(
        _ db: any SQLConnection, year: Int, table: String, columns: [String], values: [any SQLBindable]
    ) throws -> (id: Int64, number: RecordNumber<Record>) {
        let counter = name(Record.kind, year: year)
        let digits = "CAST(n.last AS text)"
        let placeholders = (0..<values.count).map { "?\($0 + 3)" }.joined(separator: ", ")
        let rows = try db.rows(
            """
            WITH n AS (INSERT INTO counter (name, last) VALUES (?1, 1) ON CONFLICT(name) DO UPDATE SET last = counter.last + 1
                       RETURNING last)
            INSERT INTO \(table) (number, \(columns.joined(separator: ", ")))
            SELECT ?2 || lpad(\(digits), greatest(6, length(\(digits))), '0'), \(placeholders) FROM n
            RETURNING id, number
            """, [counter, counter + "-"] + values, source: table)
        guard let row = rows.first, let number = RecordNumber<Record>(try row("number") as String) else {
            throw DepotError.storage(path: table, message: "the numbered insert returned no number")
        }
        return (try row("id"), number)
    }
}
