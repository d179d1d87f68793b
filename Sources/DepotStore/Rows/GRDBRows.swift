import DepotCore
import GRDB

// The SQLite backend's side of `StoredRow`: GRDB's rows and values.

extension StoredCell {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let value): self = .integer(value)
        case .double(let value): self = .real(value)
        case .string(let value): self = .text(value)
        case .blob(let value): self = .blob(value)
        }
    }
}

extension Row {
    /// This row, read by column name into typed values; `source` names it in errors.
    public func stored(_ source: String) -> StoredRow {
        StoredRow(source: source) { column in self.hasColumn(column) ? StoredCell(self[column] as DatabaseValue) : nil }
    }

    /// The value of `column`, which must be there and readable as `T` (`DepotError.unreadableValue` otherwise).
    public func decode<T: StoredValue>(_ column: String, from source: String) throws(DepotError) -> T {
        try stored(source)(column)
    }

    /// The value of `column`, `nil` when NULL; a value not readable as `T` throws.
    public func decodeIfPresent<T: StoredValue>(_ column: String, from source: String) throws(DepotError) -> T? {
        try stored(source).optional(column)
    }
}

extension RowDecodable {
    /// Every row of `statement`, decoded.
    static func fetchAll(_ statement: Statement, arguments: StatementArguments = [], source: String) throws -> [Self] {
        var result: [Self] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { result.append(try Self(row: row.stored(source))) }
        return result
    }

    /// Every row of `statement` that can be decoded, and the errors of those that cannot: for background work that
    /// must not let one damaged record stop the work on every other one.
    static func fetchReadable(_ statement: Statement, arguments: StatementArguments = [], source: String) throws -> (
        records: [Self], unreadable: [DepotError]
    ) {
        var records: [Self] = []
        var unreadable: [DepotError] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            do { records.append(try Self(row: row.stored(source))) } catch { unreadable.append(error) }
        }
        return (records, unreadable)
    }

    /// The first row of `statement`, decoded; `nil` when there is none.
    static func fetchOne(_ statement: Statement, arguments: StatementArguments = [], source: String) throws -> Self? {
        try Row.fetchOne(statement, arguments: arguments).map { row throws in try Self(row: row.stored(source)) }
    }
}

/// A record read whole (`SELECT *`) from its table.
protocol TableRecord: RowDecodable {
    static var table: String { get }
}

extension TableRecord {
    /// The record whose `column` (unique) holds `value`; `nil` when there is none.
    static func find(_ db: Database, _ column: String, _ value: some DatabaseValueConvertible) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table) WHERE \(column) = ?"), arguments: [value], source: table)
    }
}
