import DepotCore
import Foundation
import GRDB

/// Depot's database: one SQLite file in WAL mode with foreign keys on, migrated to the schema this
/// build knows. Every change goes through a method that runs in one immediate transaction, so a
/// failed or killed command leaves nothing half-written; concurrent writers wait for each other.
public struct DepotDatabase: Sendable {
    /// The file's path as the user gave it.
    public let path: String
    /// The policy in force: regions, clocks, SLA tables and RMA deadlines.
    public let policy: Policy
    let writer: DatabasePool
    /// Wall-clock time, for `recorded_at` in the audit log (workflow instants come from callers).
    let now: @Sendable () -> Instant
    let clocks: ClockCache
    let points: PointReaders
    let groups: WriteGroups

    /// How long a command waits for another's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 120

    private init(path: String, policy: Policy, writer: DatabasePool, now: @escaping @Sendable () -> Instant) {
        self.path = path
        self.policy = policy
        self.writer = writer
        self.now = now
        clocks = ClockCache(policy: policy)
        points = PointReaders(path: path)
        groups = WriteGroups()
    }

    /// Creates the database at `path`, or brings an existing one up to date; `created` tells which.
    public static func create(
        at path: String, policy: Policy,
        now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> (DepotDatabase, created: Bool) {
        let existed = FileManager.default.fileExists(atPath: path)
        let database = try connect(path: path, policy: policy, now: now)
        try database.migrate()
        return (database, !existed)
    }

    /// Opens the existing database at `path`; refuses a missing file or a schema from a newer Depot.
    public static func open(
        at path: String, policy: Policy,
        now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> DepotDatabase {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .databaseMissing(path: path)
        }
        let database = try connect(path: path, policy: policy, now: now)
        try database.migrate()
        return database
    }

    private static func connect(path: String, policy: Policy, now: @escaping @Sendable () -> Instant) throws(DepotError) -> DepotDatabase {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL is consistent after a crash of the process or the machine;
            // a power cut may lose the last commits, never half of one.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            db.add(function: SQLFunctions.addMonths)
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return DepotDatabase(path: path, policy: policy, writer: pool, now: now)
        } catch {
            throw storageError(error, path: path)
        }
    }

    private func migrate() throws(DepotError) {
        let migrator = Schema.migrator
        let known = Set(migrator.migrations)
        let applied: [String]
        do {
            applied = try writer.read { db in
                try db.tableExists("grdb_migrations") ? try migrator.appliedIdentifiers(db).sorted() : []
            }
        } catch {
            throw Self.storageError(error, path: path)
        }
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw .databaseNewer(path: path, unknownMigrations: unknown) }
        do {
            try migrator.migrate(writer)
        } catch {
            throw Self.storageError(error, path: path)
        }
    }

    /// The applied schema migrations, oldest first.
    public func schemaVersion() throws(DepotError) -> [String] {
        do {
            return try writer.read { db in try Schema.migrator.appliedMigrations(db) }
        } catch {
            throw Self.storageError(error, path: path)
        }
    }

    /// Runs `body` in one immediate write transaction; it commits when `body` returns and rolls back
    /// when it throws. Inside a group commit (`grouped`) it runs in the group's transaction instead, in
    /// the savepoint of its own job.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            if let db = groups.currentConnection() { return try body(db) }
            return try writer.write { db in try body(GRDBConnection(db)) }
        } catch {
            throw Self.storageError(error, path: path)
        }
    }

    /// Runs `body` in one immediate write transaction with foreign-key enforcement off, for the bulk
    /// appliance import only: every reference it writes is an id it read from the parent table inside the
    /// same write transaction, so SQLite's per-row parent lookups (half the insert's cost, measured) add
    /// nothing. Enforcement is back on before the connection serves anyone else.
    func writeTrustingReferences<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(GRDBConnection(db))
                    return .commit
                }
                guard let result else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "the import's transaction did not run") }
                return result
            }
        } catch {
            throw Self.storageError(error, path: path)
        }
    }

    /// Runs `body` on a read-only snapshot of the database (reports stream their rows from here).
    public func read<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            return try writer.read { db in try body(GRDBConnection(db)) }
        } catch {
            throw Self.storageError(error, path: path)
        }
    }

    /// `PRAGMA integrity_check`: `ok`, or the problems SQLite found.
    public func integrityCheck() throws(DepotError) -> [String] {
        try read { db in try db.values(String.self, "PRAGMA integrity_check") }
    }

    /// A Depot error as it is, anything else (a SQLite error) as a storage error with SQLite's words.
    static func storageError(_ error: any Error, path: String) -> DepotError {
        if let error = error as? DepotError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return .storage(path: path, message: "the database stayed locked by another command for \(Int(busyTimeout)) s")
            case .SQLITE_NOTADB:
                return .storage(path: path, message: "not a Depot database (not an SQLite file)")
            default:
                return .storage(path: path, message: error.message ?? "\(error.resultCode)")
            }
        }
        return .storage(path: path, message: String(describing: error))
    }
}

/// The business clocks of the policy's regions, built once per database handle.
final class ClockCache: @unchecked Sendable {
    private let policy: Policy
    private let lock = NSLock()
    private var clocks: [String: BusinessClock] = [:]

    init(policy: Policy) { self.policy = policy }

    func clock(for region: String) throws(DepotError) -> BusinessClock {
        lock.lock()
        defer { lock.unlock() }
        if let clock = clocks[region] { return clock }
        let clock = try policy.clock(for: region)
        clocks[region] = clock
        return clock
    }
}

/// SQL functions Depot adds to each connection.
enum SQLFunctions {
    /// `depot_add_months(date, months)`: calendar-month arithmetic with end-of-month clamping (SPEC.md 1).
    static let addMonths = DatabaseFunction("depot_add_months", argumentCount: 2, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]), let date = LocalDate(iso: text),
            let months = Int.fromDatabaseValue(values[1])
        else { return nil }
        return date.adding(months: months).description
    }
}

extension DepotDatabase {
    /// Whether the database holds no fleet data yet.
    public func isEmpty() throws(DepotError) -> Bool {
        try read { db in try db.value(Int.self, "SELECT (SELECT count(*) FROM customer) + (SELECT count(*) FROM model)") == 0 }
    }
}
