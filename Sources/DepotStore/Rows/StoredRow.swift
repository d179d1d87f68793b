import DepotCore
import Foundation

/// One cell of a query's result as any backend gives it: SQLite's five storage classes, which PostgreSQL's
/// values map onto as well.
public enum StoredCell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    /// The cell as text for an error message.
    var shown: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): value
        case .blob(let value): "\(value.count) bytes"
        }
    }
}

/// A type kept in one column: built from its cell, or `nil` when the cell does not hold one.
public protocol StoredValue: Sendable {
    init?(cell: StoredCell)
}

/// A row of a query's result, read by column name into typed values; whatever backend read it. A value that cannot
/// be read as its type (an unknown state, a malformed date, a NULL where one is required) throws
/// `DepotError.unreadableValue` naming the source and the column: nothing is read as a default.
public struct StoredRow {
    /// The table or query the row comes from, for error messages.
    public let source: String
    private let lookup: (String) -> StoredCell?

    /// A row whose cells `cell` gives by column name (`nil`: the query has no such column).
    public init(source: String, cell: @escaping (String) -> StoredCell?) {
        self.source = source
        self.lookup = cell
    }

    /// The same row, its columns named in errors as those of `source` (a join's columns of another table).
    public func from(_ source: String) -> StoredRow {
        StoredRow(source: source, cell: lookup)
    }

    /// The value of `column`, which must be there and not NULL.
    public func callAsFunction<T: StoredValue>(_ column: String) throws(DepotError) -> T {
        let found = try raw(column)
        guard let value = T(cell: found) else { throw .unreadableValue(table: source, column: column, value: found.shown) }
        return value
    }

    /// The value of `column`, `nil` when it is NULL.
    public func optional<T: StoredValue>(_ column: String) throws(DepotError) -> T? {
        let found = try raw(column)
        if found == .null { return nil }
        guard let value = T(cell: found) else { throw .unreadableValue(table: source, column: column, value: found.shown) }
        return value
    }

    /// The cell of `column` as it is; `nil` when the row has no such column.
    public func cell(_ column: String) -> StoredCell? { lookup(column) }

    private func raw(_ column: String) throws(DepotError) -> StoredCell {
        guard let found = lookup(column) else { throw .unreadableValue(table: source, column: column, value: "(no such column)") }
        return found
    }
}

/// A struct read from one row of a query: every record type the store returns decodes itself once, here, instead
/// of reading `row["column"]` where it is used.
public protocol RowDecodable {
    init(row: StoredRow) throws(DepotError)
}

// MARK: - Values

extension String: StoredValue {
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self = text
    }
}

extension Int64: StoredValue {
    public init?(cell: StoredCell) {
        guard case .integer(let value) = cell else { return nil }
        self = value
    }
}

extension Int: StoredValue {
    public init?(cell: StoredCell) {
        guard case .integer(let value) = cell, let int = Int(exactly: value) else { return nil }
        self = int
    }
}

extension Bool: StoredValue {
    /// 0 or 1 (SQLite has no boolean; PostgreSQL's booleans map to these too).
    public init?(cell: StoredCell) {
        guard case .integer(let value) = cell, value == 0 || value == 1 else { return nil }
        self = value == 1
    }
}

extension Double: StoredValue {
    public init?(cell: StoredCell) {
        switch cell {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Data: StoredValue {
    public init?(cell: StoredCell) {
        guard case .blob(let data) = cell else { return nil }
        self = data
    }
}

extension Instant: StoredValue {
    /// ISO 8601 text in UTC.
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self.init(iso: text)
    }
}

extension LocalDate: StoredValue {
    /// `YYYY-MM-DD`.
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self.init(iso: text)
    }
}

extension Serial: StoredValue {
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self.init(text)
    }
}

extension RecordNumber: StoredValue {
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self.init(text)
    }
}

/// An enumeration stored as its raw text: a text it does not know is unreadable, never a default case.
public protocol StoredEnum: StoredValue, SQLBindable, RawRepresentable where RawValue == String {}

extension StoredEnum {
    public init?(cell: StoredCell) {
        guard case .text(let text) = cell else { return nil }
        self.init(rawValue: text)
    }
}

extension ApplianceStatus: StoredEnum {}
extension CaseStatus: StoredEnum {}
extension CaseType: StoredEnum {}
extension Level: StoredEnum {}
extension Priority: StoredEnum {}
extension Tier: StoredEnum {}
extension RMAPath: StoredEnum {}
extension RMAState: StoredEnum {}
extension Verdict: StoredEnum {}
extension ReferralOutcome: StoredEnum {}
extension Role: StoredEnum {}
extension NotificationTarget: StoredEnum {}
extension EscalationTarget: StoredEnum {}
extension PayloadFormat: StoredEnum {}
extension AfterHoursOpening: StoredEnum {}

extension StoredRow {
    /// The same row with its columns named in errors as those of `source`.
    public func stored(_ source: String) -> StoredRow { from(source) }

    /// The value of `column`, which must be there and readable as `T` (`DepotError.unreadableValue` otherwise).
    public func decode<T: StoredValue>(_ column: String, from source: String) throws(DepotError) -> T {
        try from(source)(column)
    }

    /// The value of `column`, `nil` when NULL; a value not readable as `T` throws.
    public func decodeIfPresent<T: StoredValue>(_ column: String, from source: String) throws(DepotError) -> T? {
        try from(source).optional(column)
    }
}
