import DepotCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Changes to who may sign in (a sign-out, and user changes as they come), told to every server of a PostgreSQL
/// database at the commit of the change (`NOTIFY`, which PostgreSQL delivers only when the transaction commits), so
/// that each forgets the credentials it remembered: a signed-out session stops working everywhere within a second,
/// not after the cache's seconds.
enum CredentialChanges {
    static let channel = "depot_credentials"

    /// The counter an SQLite database's servers read every second to learn of a change made by another process
    /// (a `depot user` command beside the running server).
    static let counter = "credentials"

    /// Tells every server, when `db`'s transaction commits, that credentials changed: PostgreSQL notifies the
    /// listening servers; on SQLite the counter moves, which the server reads every second.
    static func announce(_ db: any SQLConnection) throws {
        guard db.dialect == .postgres else {
            try db.execute(
                "INSERT INTO counter (name, last) VALUES (?1, 1) ON CONFLICT(name) DO UPDATE SET last = counter.last + 1", [counter])
            return
        }
        try db.execute("SELECT pg_notify(?, '')", [channel])
    }
}

extension DepotDatabase {
    /// Calls `changed` whenever a server or command of this database changed credentials, and once each time it
    /// (re)connects (what was missed meanwhile); runs until cancelled, reconnecting after a second when the
    /// connection breaks. On SQLite it reads the credentials' counter every second.
    public func watchCredentialChanges(logger: Logger, _ changed: @escaping @Sendable () -> Void) async {
        guard case .postgres(let store) = backend else { return await pollCredentialCounter(logger: logger, changed) }
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: store.location.configuration(), id: 0,
                    logger: store.logger)
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: CredentialChanges.channel) { notifications in
                            changed()
                            for try await _ in notifications { changed() }
                        }
                    } onCancel: {
                        _ = connection.close() as EventLoopFuture<Void>
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("listening for credential changes failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                changed()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension DepotDatabase {
    /// SQLite: reads the credentials' counter every second and calls `changed` when it moved.
    fileprivate func pollCredentialCounter(logger: Logger, _ changed: @escaping @Sendable () -> Void) async {
        // On the blocking pool, as every database read, never on the cooperative threads.
        let read = { [self] () async -> Int? in
            try? await self.offload { database throws(DepotError) in
                try database.read { db in try db.value(Int.self, "SELECT last FROM counter WHERE name = ?", [CredentialChanges.counter]) }
            }
        }
        var seen = await read()
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let now = await read()
            if now != seen {
                seen = now
                changed()
            }
        }
    }
}
