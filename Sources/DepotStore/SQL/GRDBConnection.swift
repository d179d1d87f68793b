import DepotCore
import Foundation
import GRDB

/// The SQLite backend's connection: GRDB's `Database` inside one of its transactions, its statements prepared
/// once per connection (GRDB's statement cache).
public final class GRDBConnection: SQLConnection {
    /// The GRDB connection, for the SQLite fast paths (the bulk import, streamed reports).
    public let grdb: Database

    public init(_ grdb: Database) { self.grdb = grdb }

    public var dialect: SQLDialect { .sqlite }

    @discardableResult
    public func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        let statement = try grdb.cachedStatement(sql: sql)
        try statement.execute(arguments: Self.arguments(arguments))
        return grdb.changesCount
    }

    public func each(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws {
        let statement = try grdb.cachedStatement(sql: sql)
        let rows = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        while let row = try rows.next() {
            guard try body(SQLiteRow(row: row)) else { return }
        }
    }

    public func insert(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
        try grdb.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        return grdb.lastInsertedRowID
    }

    public func afterTransaction(onCommit: @escaping @Sendable (any SQLConnection) -> Void, onRollback: @escaping @Sendable () -> Void) {
        grdb.afterNextTransaction(onCommit: { db in onCommit(GRDBConnection(db)) }, onRollback: { _ in onRollback() })
    }

    public static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in value.sqlValue.databaseValue })
    }
}

extension SQLValue {
    /// The value as SQLite stores it (booleans as 0 and 1).
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        case .boolean(let value): (value ? 1 : 0).databaseValue
        }
    }
}

/// A GRDB row as an `SQLRow`.
struct SQLiteRow: SQLRow {
    let row: Row

    var columnCount: Int { row.count }
    func columnName(at index: Int) -> String { row.columnNames[row.index(row.startIndex, offsetBy: index)] }
    func cell(at index: Int) -> StoredCell { StoredCell(row[index] as DatabaseValue) }
    func cell(named name: String) -> StoredCell? { row.hasColumn(name) ? StoredCell(row[name] as DatabaseValue) : nil }
}
