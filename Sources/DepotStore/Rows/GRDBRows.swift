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

/// A record read from its table.
protocol TableRecord: RowDecodable {
    static var table: String { get }
    /// The columns the record reads, named (not `*`): PostgreSQL keeps a lookup prepared only when its result
    /// cannot change shape under a running server (a migration may add columns). `RecordColumnsTests` checks the
    /// list against what the decoder reads.
    static var columns: String { get }
}

extension TableRecord {
    /// The record whose `column` (unique) holds `value`; `nil` when there is none.
    static func find(_ db: any SQLConnection, _ column: String, _ value: some SQLBindable) throws -> Self? {
        try db.fetchOne(Self.self, "SELECT \(columns) FROM \(table) WHERE \(column) = ?", [value], source: table)
    }
}
