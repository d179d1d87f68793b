import DepotCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL backend: a pool of connections, and transactions on connections leased to the calling thread.
///
/// Why synchronous: the store's workflows are plain functions over a connection, run on a pool thread (the server)
/// or a command's thread, exactly as on SQLite; a PostgreSQL call waits on its future there. Making every workflow
/// `async` for one backend would not make a single request faster, and SQLite's driver (GRDB) is synchronous too.
final class PostgresStore: Sendable {
    let location: PostgresLocation
    let pool: PostgresPool
    let logger: Logger

    /// Serialises the writers of every server on the database: each write transaction takes this advisory lock
    /// first (as SQLite's immediate transactions do on one machine), so a read-then-write workflow never acts on
    /// rows another server changed since it read them. Group commit makes one lock per group of changes.
    static let writeLock: Int64 = 0x4465_706F_7457  // "DepotW"
    /// Held by `depot migrate` (and the first `init`) while it changes the schema.
    static let migrationLock: Int64 = 0x4465_706F_744D  // "DepotM"

    init(_ location: PostgresLocation, maximumConnections: Int = 16) {
        self.location = location
        var logger = Logger(label: "depot.postgres")
        logger.logLevel = .warning
        self.logger = logger
        pool = PostgresPool(location, maximum: maximumConnections, logger: logger)
    }

    /// Runs `body` on a connection leased from the pool to this thread; the connection goes back when it returns.
    func withConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try pool.withConnection { connection in try body(PGConnection(connection, logger: logger)) }
    }

    /// One read-only transaction seeing one snapshot of the database.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try transaction(connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") { try body(connection) }
        }
    }

    /// One write transaction, after every other server's write transaction before it.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { connection in try writeTransaction(connection, body) }
    }

    /// A write transaction on a leased connection: takes the write lock, commits when `body` returns, rolls back
    /// when it throws.
    func writeTransaction<T>(_ connection: PGConnection, _ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(connection, begin: "BEGIN") {
            try connection.sendWithoutWaiting("SELECT pg_advisory_xact_lock(?)", [Self.writeLock])
            return try body(connection)
        }
    }

    private func transaction<T>(_ connection: PGConnection, begin: String, _ body: () throws -> T) throws -> T {
        try connection.sendWithoutWaiting(begin)
        let result: T
        do {
            result = try body()
            try connection.execute("COMMIT")
        } catch {
            // A connection that cannot roll back is in no known state: closed, so that the pool does not reuse it.
            if (try? connection.execute("ROLLBACK")) == nil { try? (connection.connection.close() as EventLoopFuture<Void>).wait() }
            connection.transactionEnded(committed: false)
            throw error
        }
        connection.transactionEnded(committed: true)
        return result
    }
}
