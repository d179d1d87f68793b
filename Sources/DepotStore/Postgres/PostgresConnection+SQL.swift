import DepotCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL backend's connection: one of the client's connections, leased to the calling thread for one
/// transaction. Its calls wait on postgres-nio's futures on that thread, which is never one of Swift's cooperative
/// threads (the store's callers run on the thread pool or a command's main thread, as with SQLite).
final class PGConnection: SQLConnection {
    let connection: PostgresConnection
    private let pooled: PooledConnection
    let logger: Logger
    private(set) var commitHooks: [@Sendable (any SQLConnection) -> Void] = []
    private(set) var rollbackHooks: [@Sendable () -> Void] = []

    /// Runs the prepared statements' tasks on the connection's event loop.
    private let executor: EventLoopTaskExecutor
    /// Statements sent without waiting for their answer (`BEGIN`, the write lock): the next statement waits for
    /// them, so a transaction's opening costs the calling thread no wake-up of its own.
    private var pending: [EventLoopFuture<PGResult>] = []

    init(_ pooled: PooledConnection, logger: Logger) {
        self.pooled = pooled
        connection = pooled.connection
        self.logger = logger
        executor = EventLoopTaskExecutor(connection.eventLoop)
    }

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        // How many rows a change touched comes only in the command tag, which postgres-nio gives for unnamed
        // statements: a change whose count is asked for runs unprepared (the hot inserts go `executeUnanswered`).
        try wait(send(sql, arguments, prepared: !PreparedStatements.isChange(sql))).affected
    }

    /// Sends `sql` and does not wait for its answer; the next statement of the connection does (and throws the
    /// error if it failed).
    func sendWithoutWaiting(_ sql: String, _ arguments: [any SQLBindable] = []) throws {
        pending.append(try send(sql, arguments, prepared: true))
    }

    func executeUnanswered(_ sql: String, _ arguments: [any SQLBindable]) throws {
        try sendWithoutWaiting(sql, arguments)
    }

    func settle() throws {
        let earlier = pending
        pending = []
        var failure: (any Error)?
        for statement in earlier {
            do { _ = try statement.wait() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    func each(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws {
        let result = try wait(send(sql, arguments, prepared: true))
        for row in result.rows {
            guard try body(PGRow(row.makeRandomAccess())) else { return }
        }
    }

    /// Loads `text` (lines of COPY's text format) into `columns` of `table` with one `COPY FROM STDIN`.
    func copy(into table: String, columns: [String], text: String) throws {
        try settle()
        let promise = connection.eventLoop.makePromise(of: Void.self)
        let (connection, logger, buffer) = (connection, logger, ByteBuffer(string: text))
        Task(executorPreference: executor) {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(buffer) }
                promise.succeed(())
            } catch {
                promise.fail(error)
            }
        }
        try promise.futureResult.wait()
    }

    /// A field of COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return escaped.
    static func copyField(_ value: String?) -> String {
        guard let value else { return "\\N" }
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return value }
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A statement's answer: its rows, and how many rows it changed (unnamed statements only).
    struct PGResult: Sendable {
        var rows: [PostgresRow]
        var affected: Int
    }

    /// Sends the statement: when `prepared` allows, under `PreparedStatements`' name for its text and bound types;
    /// otherwise unnamed.
    ///
    /// The first run of a name on this connection waits for its answer before returning: postgres-nio then sends the
    /// preparation alone and executes the statement only when the preparation's answer is back, so a statement sent
    /// meanwhile would run before it (measured: a change sent after the write lock's first run ran before the lock,
    /// and two servers' transactions deadlocked; an audit insert could run after COMMIT).
    private func send(_ sql: String, _ arguments: [any SQLBindable], prepared: Bool) throws -> EventLoopFuture<PGResult> {
        let query = try Self.query(sql, arguments)
        guard prepared, let name = PreparedStatements.name(for: query.sql, types: Self.bindTypes(arguments)) else {
            return connection.query(query, logger: logger).map { PGResult(rows: $0.rows, affected: $0.metadata.rows ?? 0) }
        }
        let firstRun = pooled.prepared.insert(name).inserted
        let promise = connection.eventLoop.makePromise(of: PGResult.self)
        let (connection, logger, binds, text) = (connection, logger, query.binds, RuntimeStatement.Text(name: name, sql: query.sql))
        Task(executorPreference: executor) {
            do {
                let rows = try await RuntimeStatement.$text.withValue(text) {
                    var rows: [PostgresRow] = []
                    for try await row in try await connection.execute(RuntimeStatement(bindings: binds), logger: logger) {
                        rows.append(row)
                    }
                    return rows
                }
                promise.succeed(PGResult(rows: rows, affected: 0))
            } catch {
                promise.fail(error)
            }
        }
        guard firstRun else { return promise.futureResult }
        return connection.eventLoop.makeCompletedFuture(Result { try promise.futureResult.wait() })
    }

    /// Waits for the statements sent before `future`, then for it.
    private func wait(_ future: EventLoopFuture<PGResult>) throws -> PGResult {
        let settled = Result { try settle() }
        let result = Result { try future.wait() }
        try settled.get()
        return try result.get()
    }

    /// Through a cursor of the transaction, `fetchSize` rows at a time: a query result is otherwise collected whole
    /// before its first row (postgres-nio's future API), which for a report over millions of units is all of them
    /// in memory. The next batch is asked for before this one is handed out, so the server reads it while the
    /// caller writes this one (two batches in memory at most).
    func stream(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLRow) throws -> Bool) throws {
        cursors += 1
        let cursor = "depot_cursor_\(cursors)"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", arguments)
        defer { _ = try? execute("CLOSE \(cursor)") }
        let fetch = "FETCH FORWARD \(Self.fetchSize) FROM \(cursor)"
        var next: EventLoopFuture<PGResult>? = try send(fetch, [], prepared: false)
        // A batch asked for and not read (the caller stopped, or threw) is waited for before the cursor closes.
        defer { if let next { pending.append(next) } }
        while let batch = next {
            next = nil
            let rows = try wait(batch).rows
            if rows.count == Self.fetchSize { next = try send(fetch, [], prepared: false) }
            for row in rows {
                guard try body(PGRow(row.makeRandomAccess())) else { return }
            }
        }
    }

    static let fetchSize = 10_000
    private var cursors = 0

    func insert(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
        var id: Int64?
        try each(sql + " RETURNING id", arguments) { row in
            if case .integer(let value) = row.cell(at: 0) { id = value }
            return false
        }
        guard let id else { throw DepotError.storage(path: "postgres", message: "the insert returned no id: \(sql)") }
        return id
    }

    func afterTransaction(onCommit: @escaping @Sendable (any SQLConnection) -> Void, onRollback: @escaping @Sendable () -> Void) {
        commitHooks.append(onCommit)
        rollbackHooks.append(onRollback)
    }

    /// Runs the hooks of the transaction that ended, and forgets them.
    func transactionEnded(committed: Bool) {
        let (commits, rollbacks) = (commitHooks, rollbackHooks)
        commitHooks = []
        rollbackHooks = []
        if committed { for hook in commits { hook(self) } } else { for hook in rollbacks { hook() } }
    }

    /// The types the values are bound with (as `query` binds them), one letter each.
    static func bindTypes(_ arguments: [any SQLBindable]) -> String {
        var types = ""
        for argument in arguments {
            switch argument.sqlValue {
            case .null: types += "n"
            case .integer: types += "i"
            case .real: types += "r"
            case .text: types += "t"
            case .boolean: types += "b"
            case .blob: types += "x"
            }
        }
        return types
    }

    static func query(_ sql: String, _ arguments: [any SQLBindable]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.sqlValue {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .boolean(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            }
        }
        return PostgresQuery(unsafeSQL: PostgresPlaceholders.render(sql), binds: binds)
    }
}

/// A row of a PostgreSQL result as cells: integers, booleans (as 0 and 1, as SQLite keeps them), reals, text, bytes.
struct PGRow: SQLRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRandomAccessRow) { self.row = row }

    var columnCount: Int { row.count }
    func columnName(at index: Int) -> String { row[index].columnName }
    func cell(at index: Int) -> StoredCell { Self.cell(row[index]) }
    func cell(named name: String) -> StoredCell? { row.contains(name) ? Self.cell(row[name]) : nil }

    func withTextBytes(at index: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let cell = row[index]
        guard let bytes = cell.bytes else { return false }
        switch cell.dataType {
        case .text, .varchar, .name:
            bytes.withUnsafeReadableBytes(body)
            return true
        default: return false
        }
    }

    static func cell(_ cell: PostgresCell) -> StoredCell {
        guard let bytes = cell.bytes else { return .null }
        // The common cells read straight from their bytes (binary integers, UTF-8 text): postgres-nio's generic
        // decoding costs a type lookup per cell, a fifth of a large report's time.
        if cell.format == .binary {
            switch (cell.dataType, bytes.readableBytes) {
            case (.int8, 8): if let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self) { return .integer(value) }
            case (.int4, 4): if let value = bytes.getInteger(at: bytes.readerIndex, as: Int32.self) { return .integer(Int64(value)) }
            case (.text, _), (.varchar, _), (.name, _): return .text(String(buffer: bytes))
            default: break
            }
        }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int64.self)).map(StoredCell.integer) ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8: return (try? cell.decode(Double.self)).map(StoredCell.real) ?? .null
        case .numeric:
            // Whole numbers (sums of integers) stay integers, as SQLite gives them.
            guard let decimal = try? cell.decode(Decimal.self) else { return .null }
            var rounded = Decimal()
            var value = decimal
            NSDecimalRound(&rounded, &value, 0, .plain)
            if rounded == decimal, let integer = Int64(exactly: NSDecimalNumber(decimal: decimal).int64Value),
                Decimal(integer) == decimal
            {
                return .integer(integer)
            }
            return .real(NSDecimalNumber(decimal: decimal).doubleValue)
        case .bytea: return (try? cell.decode(ByteBuffer.self)).map { .blob(Data($0.readableBytesView)) } ?? .null
        default: return (try? cell.decode(String.self)).map(StoredCell.text) ?? .null
        }
    }
}

/// SQL written with SQLite's placeholders (`?`, `?NNN`) in PostgreSQL's (`$1`, `$NNN`), numbered as SQLite numbers
/// them; quoted text and identifiers are left alone. Rendered once per SQL text.
enum PostgresPlaceholders {
    private static let cache = NSLock()
    nonisolated(unsafe) private static var rendered: [String: String] = [:]
    private static let limit = 4096

    static func render(_ sql: String) -> String {
        cache.lock()
        if let found = rendered[sql] {
            cache.unlock()
            return found
        }
        cache.unlock()
        let result = convert(sql)
        cache.lock()
        // Some texts carry values (a report's as-of days, IN lists): a server running for months would keep
        // every one; past the limit the cache starts again.
        if rendered.count >= limit { rendered.removeAll(keepingCapacity: true) }
        rendered[sql] = result
        cache.unlock()
        return result
    }

    static func convert(_ sql: String) -> String {
        var out = ""
        var largest = 0
        var quote: Character?
        var characters = sql[...]
        while let character = characters.popFirst() {
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                out.append(character)
                continue
            }
            guard character == "?" else {
                out.append(character)
                continue
            }
            // As SQLite numbers them: `?NNN` is NNN, a bare `?` one more than the largest number so far.
            let digits = characters.prefix(while: \.isASCII).prefix(while: \.isNumber)
            if digits.isEmpty {
                largest += 1
                out += "$\(largest)"
            } else {
                largest = max(largest, Int(digits) ?? 0)
                out += "$" + digits
                characters = characters.dropFirst(digits.count)
            }
            // `lower(?)` folds the value as Depot's columns fold (COLLATE "C": A-Z only, as SQLite's lower()): a
            // parameter otherwise has the database's default collation, which under an ICU or UTF-8 locale folds Ö
            // too, and `lower(key) = lower(?)` then misses the key ÖKO typed exactly.
            if characters.first == ")", let open = out.range(of: "lower($", options: [.backwards, .caseInsensitive]),
                out[open.upperBound...].allSatisfy(\.isNumber)
            {
                out += " COLLATE \"C\""
            }
        }
        return out
    }
}
