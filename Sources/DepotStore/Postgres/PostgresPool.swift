import DepotCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A few connections to one PostgreSQL database, each leased to one thread for one transaction at a time.
///
/// Why not postgres-nio's `PostgresClient`: it leases a connection only from an async task, and the store leases from
/// synchronous code (a workflow on a pool thread, a command's thread, a test's thread). Bridging needs a task on
/// Swift's cooperative pool while the calling thread waits; when the callers are themselves the cooperative threads
/// (two on this machine, as in the test suite) nobody is left to run that task. These connections are made and used
/// through postgres-nio's `EventLoopFuture` API, which runs on NIO's event loops and waits on any other thread.
final class PostgresPool: @unchecked Sendable {
    private let location: PostgresLocation
    private let logger: Logger
    private let maximum: Int
    private let condition = NSCondition()
    private var idle: [PooledConnection] = []
    private var open = 0
    private var nextID = 0
    private var closed = false

    init(_ location: PostgresLocation, maximum: Int, logger: Logger) {
        self.location = location
        self.maximum = maximum
        self.logger = logger
    }

    deinit {
        for pooled in idle { try? (pooled.connection.close() as EventLoopFuture<Void>).wait() }
    }

    /// Runs `body` with a connection of its own; a connection that was closed meanwhile (it broke, or a failed
    /// rollback closed it) is not reused.
    func withConnection<T>(_ body: (PooledConnection) throws -> T) throws -> T {
        let connection = try lease()
        defer { giveBack(connection) }
        return try body(connection)
    }

    private func lease() throws -> PooledConnection {
        condition.lock()
        while idle.isEmpty && open >= maximum && !closed { condition.wait() }
        if closed {
            condition.unlock()
            throw DepotError.storage(path: location.description, message: "the database connections are closed")
        }
        if let pooled = idle.popLast() {
            condition.unlock()
            if !pooled.connection.isClosed { return pooled }
            condition.lock()
            open -= 1
            condition.unlock()
            return try lease()
        }
        open += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            return PooledConnection(
                try PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: location.configuration(), id: id, logger: logger
                ).wait())
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func giveBack(_ pooled: PooledConnection) {
        condition.lock()
        let keep = !closed && !pooled.connection.isClosed
        if keep { idle.append(pooled) } else { open -= 1 }
        condition.signal()
        condition.unlock()
        if !keep { try? (pooled.connection.close() as EventLoopFuture<Void>).wait() }
    }

    /// Closes every idle connection and refuses new leases.
    func close() {
        condition.lock()
        closed = true
        let connections = idle
        idle = []
        open -= connections.count
        condition.broadcast()
        condition.unlock()
        for pooled in connections { try? (pooled.connection.close() as EventLoopFuture<Void>).wait() }
    }
}

/// One connection of the pool, with what only its leaseholder reads and changes: the names of the statements
/// already prepared on it.
final class PooledConnection: @unchecked Sendable {
    let connection: PostgresConnection
    /// Statements postgres-nio has prepared (or is preparing) on this connection. Their first run waits for its
    /// answer before anything else is sent (see `PGConnection.send`).
    var prepared: Set<String> = []

    init(_ connection: PostgresConnection) { self.connection = connection }
}
