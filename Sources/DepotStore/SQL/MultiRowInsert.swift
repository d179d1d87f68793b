import DepotCore

/// Inserts of many rows with one statement each (`INSERT ... VALUES (...), (...)`), the same SQL on both backends:
/// a group's cases, their escalations, events and audit entries are one statement per table, not one per row
/// (on PostgreSQL every statement was a round trip and a wake-up of two threads).
extension SQLConnection {
    /// Rows per statement at most: a statement's parameters stay far below both backends' limits (SQLite 32,766,
    /// PostgreSQL 65,535), and one statement's text serves every group of up to this many rows of a table.
    static func multiRowChunk(columns: Int) -> Int { max(1, 8_000 / max(1, columns)) }

    /// The statement inserting `rows` rows of `columns` into `table`.
    static func multiRowInsert(into table: String, columns: [String], rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Inserts `rows` (each the values of `columns`, in order) without waiting for the answers (`settle` waits).
    func insertRowsUnanswered(into table: String, columns: [String], rows: [[any SQLBindable]]) throws {
        let chunk = Self.multiRowChunk(columns: columns.count)
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = rows[start..<min(start + chunk, rows.count)]
            try executeUnanswered(
                Self.multiRowInsert(into: table, columns: columns, rows: part.count), part.flatMap { $0 })
        }
    }

    /// Inserts `rows` and answers the `returning` columns of the inserted rows (in no promised order: match them by a
    /// unique column).
    func insertRows(into table: String, columns: [String], rows: [[any SQLBindable]], returning: String) throws -> [StoredRow] {
        let chunk = Self.multiRowChunk(columns: columns.count)
        var inserted: [StoredRow] = []
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = rows[start..<min(start + chunk, rows.count)]
            inserted += try self.rows(
                Self.multiRowInsert(into: table, columns: columns, rows: part.count) + " RETURNING \(returning)", part.flatMap { $0 },
                source: table)
        }
        return inserted
    }
}
