import DepotCore
import Foundation
import GRDBSQLite

/// Read-only SQLite connections for the server's busiest point lookups (a unit by serial), used in place
/// on the caller's thread with prepared statements kept per connection.
///
/// Why not GRDB's pool on the thread pool: for a lookup whose query takes about 10 µs, the hop to a pool
/// thread and back and GRDB's reader queue cost several times the query (perf under wrk); the unit API
/// stayed below half the speed of a constant route. In WAL mode a reader never waits for a writer, so
/// running the lookup in place blocks nothing. Connections are opened on first use and kept (at most
/// `keep` idle); each handles one lookup at a time.
final class PointReaders: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var idle: [Connection] = []
    private static let keep = 8

    /// One read-only connection and its prepared statements by SQL text.
    final class Connection {
        let handle: OpaquePointer
        private var statements: [Int: OpaquePointer] = [:]

        init(handle: OpaquePointer) { self.handle = handle }

        deinit {
            for statement in statements.values { sqlite3_finalize(statement) }
            sqlite3_close_v2(handle)
        }

        /// The prepared statement for `sql`, reset and ready to bind; `id` names it (hashing the SQL text on
        /// every lookup cost more than binding and stepping a short query).
        func statement(_ id: Int, _ sql: String) throws(DepotError) -> OpaquePointer {
            if let statement = statements[id] {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                return statement
            }
            var statement: OpaquePointer?
            guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
                throw .storage(path: "", message: String(cString: sqlite3_errmsg(handle)))
            }
            statements[id] = statement
            return statement
        }

        /// Binds text to parameter `index` (from 1); SQLite copies it.
        func bind(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            _ = text.withCString { sqlite3_bind_text(statement, index, $0, -1, transient) }
        }

        /// Binds an integer to parameter `index` (from 1).
        func bind(_ statement: OpaquePointer, _ index: Int32, _ value: Int64) {
            sqlite3_bind_int64(statement, index, value)
        }

        /// Column `index` of the current row as an integer, `nil` for NULL.
        func optionalInt(_ statement: OpaquePointer, _ index: Int32) -> Int64? {
            sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, index)
        }

        /// Column `index` of the current row decoded as `T`; a NULL or a value `T` cannot read is an error naming
        /// where it is stored.
        func value<T: StoredValue>(_ statement: OpaquePointer, _ index: Int32, table: String, column: String) throws(DepotError) -> T {
            let text = self.text(statement, index)
            guard let text, let value = T(cell: .text(text)) else {
                throw .unreadableValue(table: table, column: column, value: text ?? "NULL")
            }
            return value
        }

        /// Column `index` of the current row decoded as `T`, `nil` for NULL; a value `T` cannot read is an error.
        func optionalValue<T: StoredValue>(_ statement: OpaquePointer, _ index: Int32, table: String, column: String) throws(DepotError)
            -> T?
        {
            guard sqlite3_column_type(statement, index) != SQLITE_NULL else { return nil }
            return try value(statement, index, table: table, column: column) as T
        }

        /// Column `index` of the current row as a list of `T` separated by spaces (a `group_concat(x, ' ')`), empty
        /// for NULL.
        func list<T: StoredValue>(_ statement: OpaquePointer, _ index: Int32, table: String, column: String) throws(DepotError) -> [T] {
            guard let text = text(statement, index) else { return [] }
            return try text.utf8.split(separator: UInt8(ascii: " ")).map { (part) throws(DepotError) -> T in
                let item = String(decoding: part, as: UTF8.self)
                guard let value = T(cell: .text(item)) else { throw .unreadableValue(table: table, column: column, value: item) }
                return value
            }
        }

        /// Runs `body` in one read transaction, so that its statements see one state of the database.
        func snapshot<T>(path: String, _ body: () throws(DepotError) -> T) throws(DepotError) -> T {
            // A COMMIT that failed last time (it cannot for a reader, but) must not leave the connection inside one.
            if sqlite3_get_autocommit(handle) == 0 { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            try run(statement(-1, "BEGIN DEFERRED"), path: path)
            defer { try? run(statement(-2, "COMMIT"), path: path) }
            return try body()
        }

        private func run(_ statement: OpaquePointer, path: String) throws(DepotError) {
            defer { sqlite3_reset(statement) }
            _ = try step(statement, path: path)
        }

        /// Column `index` of the current row as an integer.
        func int(_ statement: OpaquePointer, _ index: Int32) -> Int64 { sqlite3_column_int64(statement, index) }

        /// Ends the statement's use (its locks on the database go).
        func reset(_ statement: OpaquePointer) { sqlite3_reset(statement) }

        /// Column `index` of the current row as text, `nil` for NULL.
        func text(_ statement: OpaquePointer, _ index: Int32) -> String? {
            guard sqlite3_column_type(statement, index) != SQLITE_NULL, let text = sqlite3_column_text(statement, index) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
        }

        /// The statement's current row, read as every backend's rows are (`SQLRow`), so one decoder serves both.
        func row(_ statement: OpaquePointer) -> Row { Row(connection: self, statement: statement) }

        /// The current row of a statement on this connection; valid until the statement steps or resets.
        struct Row: SQLRow {
            let connection: Connection
            let statement: OpaquePointer

            var columnCount: Int { Int(sqlite3_column_count(statement)) }

            func columnName(at index: Int) -> String { String(cString: sqlite3_column_name(statement, Int32(index))) }

            func cell(at index: Int) -> StoredCell {
                let column = Int32(index)
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: return connection.text(statement, column).map { .text($0) } ?? .null
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return .blob(Data()) }
                    return .blob(Data(bytes: bytes, count: count))
                default: return .null
                }
            }

            func cell(named name: String) -> StoredCell? {
                (0..<columnCount).first { columnName(at: $0) == name }.map { cell(at: $0) }
            }
        }

        /// Steps the statement: `true` for a row, `false` at the end.
        func step(_ statement: OpaquePointer, path: String) throws(DepotError) -> Bool {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw .storage(path: path, message: String(cString: sqlite3_errmsg(handle)))
            }
        }
    }

    init(path: String) { self.path = path }

    /// Runs `body` with a connection of its own.
    func with<T>(_ body: (Connection) throws(DepotError) -> T) throws(DepotError) -> T {
        let connection = try take()
        defer { give(connection) }
        return try body(connection)
    }

    private func take() throws(DepotError) -> Connection {
        lock.lock()
        if let connection = idle.popLast() {
            lock.unlock()
            return connection
        }
        lock.unlock()
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw .storage(path: path, message: message)
        }
        sqlite3_busy_timeout(handle, Int32(DepotDatabase.busyTimeout * 1000))
        return Connection(handle: handle)
    }

    private func give(_ connection: Connection) {
        lock.lock()
        defer { lock.unlock() }
        if idle.count < Self.keep { idle.append(connection) }
    }
}
