import DepotCore
import Foundation

/// The SQL a backend speaks. Workflows, queries and reports write their SQL once, with `?` placeholders and the
/// few functions below where SQLite and PostgreSQL differ; each backend renders the rest.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Whole days from date `earlier` to date `later` (both `YYYY-MM-DD` text expressions).
    public func daysBetween(_ later: String, _ earlier: String) -> String {
        switch self {
        case .sqlite: "CAST(julianday(\(later)) - julianday(\(earlier)) AS INTEGER)"
        case .postgres: "(CAST(\(later) AS date) - CAST(\(earlier) AS date))"
        }
    }

    /// The texts of `expression` over a group, joined with `separator` (on PostgreSQL in the order of `orderBy`).
    public func listAggregate(_ expression: String, separator: String = ",", orderBy: String) -> String {
        switch self {
        case .sqlite: "group_concat(\(expression), '\(separator)')"
        case .postgres: "string_agg(\(expression), '\(separator)' ORDER BY \(orderBy))"
        }
    }

    /// Whether text `haystack` holds text `needle` (both SQL expressions).
    public func contains(_ haystack: String, _ needle: String) -> String {
        switch self {
        case .sqlite: "instr(\(haystack), \(needle)) > 0"
        case .postgres: "strpos(\(haystack), \(needle)) > 0"
        }
    }

    /// `LIKE` that ignores the letter case of ASCII letters, as SQLite's does.
    public var caseInsensitiveLike: String {
        switch self {
        case .sqlite: "LIKE"
        case .postgres: "ILIKE"
        }
    }

    /// A hint that a fleet-wide report reads the table in order rather than through an index (SQLite's planner
    /// walked a partial index with a random read per row; PostgreSQL's needs no hint).
    public var notIndexed: String {
        switch self {
        case .sqlite: " NOT INDEXED"
        case .postgres: ""
        }
    }

    /// Locks the rows a subquery selects for the claiming transaction, passing over rows another transaction holds
    /// (PostgreSQL's `FOR UPDATE SKIP LOCKED`); SQLite's writer holds the whole database already.
    public var lockSkippingLocked: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE SKIP LOCKED"
        }
    }
}

/// A value bound to a placeholder.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case boolean(Bool)
}

extension SQLValue {
    /// Whether `cell`, as read back from the database, holds this value (a boolean is stored as 0 or 1).
    func matches(_ cell: StoredCell?) -> Bool {
        switch (self, cell) {
        case (.null, .null): true
        case (.integer(let a), .integer(let b)): a == b
        case (.real(let a), .real(let b)): a == b
        case (.text(let a), .text(let b)): a == b
        case (.blob(let a), .blob(let b)): a == b
        case (.boolean(let a), .integer(let b)): (a ? 1 : 0) == b
        default: false
        }
    }
}

/// A Swift value that can be bound to a placeholder.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// One row of a result while it is read: its cells by column name or position.
public protocol SQLRow {
    var columnCount: Int { get }
    /// The name of column `index` (from 0).
    func columnName(at index: Int) -> String
    /// The cell of column `index` (from 0).
    func cell(at index: Int) -> StoredCell
    /// The cell of the column named `name`; `nil` when the result has no such column.
    func cell(named name: String) -> StoredCell?
    /// Calls `body` with column `index`'s UTF-8 bytes as the row holds them, when it holds the cell as text; `false`
    /// (and no call) otherwise. Reports copy text cells so without making a `String` of each.
    func withTextBytes(at index: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool
    /// Calls `body` for each of columns `range` in order, with its bytes when the row holds it as text, else `nil`.
    func forEachTextBytes(in range: Range<Int>, _ body: (UnsafeRawBufferPointer?) -> Void)
}

extension SQLRow {
    public func withTextBytes(at index: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool { false }

    public func forEachTextBytes(in range: Range<Int>, _ body: (UnsafeRawBufferPointer?) -> Void) {
        for index in range where !withTextBytes(at: index, { body($0) }) { body(nil) }
    }

    /// The row read by column name into typed values (`StoredRow`); `source` names it in errors.
    public func stored(_ source: String) -> StoredRow {
        StoredRow(source: source) { column in self.cell(named: column) }
    }
}

/// One connection inside one transaction, on either backend: what every workflow, query and report is written
/// against. SQL uses `?` placeholders (`?1` for a numbered one); statements are prepared once per connection.
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }

    /// Runs `sql`; the number of rows it inserted, changed or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int

    /// Calls `body` with each row of `sql`'s result in order, until it returns `false`. The row is valid only
    /// during the call.
    func each(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws

    /// As `each`, for results of any size (fleet-wide reports): rows reach `body` as the database produces them, in
    /// pieces of bounded size, never the whole result at once.
    func stream(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws

    /// Runs a change whose answer nobody reads (an audit row, a timeline event). PostgreSQL sends it without
    /// waiting for the answer: a transaction's such changes cost one round trip together, not one each. Its error is
    /// thrown by the connection's next statement that waits, at the latest by `settle()` or the commit.
    func executeUnanswered(_ sql: String, _ arguments: [any SQLBindable]) throws

    /// Waits for the changes `executeUnanswered` sent; throws the first one's error.
    func settle() throws

    /// Runs an `INSERT` of one row into a table with an `id` column and answers the new row's id.
    func insert(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64

    /// Calls `onCommit` (with this connection, outside the transaction) when the transaction this connection is in
    /// commits, `onRollback` when it rolls back.
    func afterTransaction(onCommit: @escaping @Sendable (any SQLConnection) -> Void, onRollback: @escaping @Sendable () -> Void)
}

extension SQLConnection {
    /// SQLite has no round trip to save: the change runs at once.
    public func executeUnanswered(_ sql: String, _ arguments: [any SQLBindable]) throws {
        try execute(sql, arguments)
    }

    public func settle() throws {}

    /// SQLite steps through its statement: `each` streams already.
    public func stream(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws {
        try each(sql, arguments, body)
    }

    /// Runs `sql`, a statement without placeholders.
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    /// Every row of `sql`, decoded as `T`.
    public func fetchAll<T: RowDecodable>(_ type: T.Type, _ sql: String, _ arguments: [any SQLBindable] = [], source: String) throws
        -> [T]
    {
        var result: [T] = []
        try each(sql, arguments) { row in
            result.append(try T(row: row.stored(source)))
            return true
        }
        return result
    }

    /// The first row of `sql`, decoded as `T`; `nil` when there is none.
    public func fetchOne<T: RowDecodable>(_ type: T.Type, _ sql: String, _ arguments: [any SQLBindable] = [], source: String) throws
        -> T?
    {
        var result: T?
        try each(sql, arguments) { row in
            result = try T(row: row.stored(source))
            return false
        }
        return result
    }

    /// Every row of `sql` that can be decoded, and the errors of those that cannot: for background work that must
    /// not let one damaged record stop the work on every other one.
    func fetchReadable<T: RowDecodable>(_ type: T.Type, _ sql: String, _ arguments: [any SQLBindable] = [], source: String) throws
        -> (records: [T], unreadable: [DepotError])
    {
        var records: [T] = []
        var unreadable: [DepotError] = []
        try each(sql, arguments) { row in
            do throws(DepotError) { records.append(try T(row: row.stored(source))) } catch { unreadable.append(error) }
            return true
        }
        return (records, unreadable)
    }

    /// The first column of the first row of `sql`; `nil` when there is no row or the value is NULL. A value
    /// not readable as `T` throws.
    public func value<T: StoredValue>(_ type: T.Type, _ sql: String, _ arguments: [any SQLBindable] = []) throws -> T? {
        var result: T?
        try each(sql, arguments) { row in
            result = try Self.decode(row.cell(at: 0), as: T.self, sql: sql)
            return false
        }
        return result
    }

    /// The first column of every row of `sql` (NULLs left out).
    public func values<T: StoredValue>(_ type: T.Type, _ sql: String, _ arguments: [any SQLBindable] = []) throws -> [T] {
        var result: [T] = []
        try each(sql, arguments) { row in
            if let value = try Self.decode(row.cell(at: 0), as: T.self, sql: sql) { result.append(value) }
            return true
        }
        return result
    }

    /// Every row of `sql`, each kept as its cells by column name.
    public func rows(_ sql: String, _ arguments: [any SQLBindable] = [], source: String) throws -> [StoredRow] {
        var result: [StoredRow] = []
        try each(sql, arguments) { row in
            result.append(CopiedRow(row).stored(source))
            return true
        }
        return result
    }

    /// Every row of `sql` as cells, with the columns' names in order (exports write whatever a table holds).
    public func table(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> ResultTable {
        var table = ResultTable()
        try each(sql, arguments) { row in
            if table.columns.isEmpty { table.columns = (0..<row.columnCount).map { row.columnName(at: $0) } }
            table.rows.append((0..<row.columnCount).map { row.cell(at: $0) })
            return true
        }
        return table
    }

    /// Whether the database has a table called `name`.
    public func tableExists(_ name: String) throws -> Bool {
        let sql =
            switch dialect {
            case .sqlite: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
            case .postgres: "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
            }
        return try value(Int.self, sql, [name]) == 1
    }

    /// The names of `table`'s columns in their order.
    public func columns(of table: String) throws -> [String] {
        let sql =
            switch dialect {
            case .sqlite: "SELECT name FROM pragma_table_info(?) ORDER BY cid"
            case .postgres:
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
            }
        return try values(String.self, sql, [table])
    }

    private static func decode<T: StoredValue>(_ cell: StoredCell, as: T.Type, sql: String) throws(DepotError) -> T? {
        if cell == .null { return nil }
        guard let value = T(cell: cell) else { throw .unreadableValue(table: "query", column: "1", value: cell.shown) }
        return value
    }
}

/// A result kept whole: its columns' names in order and its rows' cells (no columns when it has no rows).
public struct ResultTable: Sendable, Equatable {
    public var columns: [String] = []
    public var rows: [[StoredCell]] = []
}

/// A row's cells copied out of the result, to be kept after the result moves on.
struct CopiedRow: SQLRow {
    let names: [String: Int]
    let cells: [StoredCell]

    init(_ row: any SQLRow) {
        cells = (0..<row.columnCount).map { row.cell(at: $0) }
        var names: [String: Int] = [:]
        for index in (0..<row.columnCount).reversed() { names[row.columnName(at: index)] = index }
        self.names = names
    }

    var columnCount: Int { cells.count }
    func columnName(at index: Int) -> String { names.first { $0.value == index }?.key ?? "" }
    func cell(at index: Int) -> StoredCell { cells[index] }
    func cell(named name: String) -> StoredCell? { names[name].map { cells[$0] } }
}

// MARK: - Bindable values

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .boolean(self) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Instant: SQLBindable {
    /// ISO 8601 text in UTC, as stored.
    public var sqlValue: SQLValue { .text(description) }
}

extension LocalDate: SQLBindable {
    /// `YYYY-MM-DD`, as stored.
    public var sqlValue: SQLValue { .text(description) }
}

extension StoredEnum {
    public var sqlValue: SQLValue { .text(rawValue) }
}

extension Serial: SQLBindable {
    public var sqlValue: SQLValue { .text(text) }
}

extension RecordNumber: SQLBindable {
    public var sqlValue: SQLValue { .text(text) }
}
