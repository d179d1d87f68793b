import DepotCore
import Foundation
import GRDB

/// Depot's database: one SQLite file in WAL mode with foreign keys on (the default), or a PostgreSQL database
/// shared by several servers, migrated to the schema this build knows. Every change goes through a method that runs
/// in one transaction, so a failed or killed command leaves nothing half-written; writers wait for each other.
public struct DepotDatabase: Sendable {
    /// The SQLite file's path as the user gave it, or the PostgreSQL database's URL without its password.
    public let path: String
    /// The policy in force: regions, clocks, SLA tables and RMA deadlines.
    public let policy: Policy
    let backend: Backend
    /// Wall-clock time, for `recorded_at` in the audit log (workflow instants come from callers).
    let now: @Sendable () -> Instant
    let clocks: ClockCache
    let points: PointReaders
    let groups: WriteGroups
    /// The file holding the key that seals webhook secrets: `DB.key` beside an SQLite file; for PostgreSQL the one
    /// file every server is given (`--key-file`), `nil` until it is.
    public private(set) var keyFile: String?
    /// Whether a missing key file may be made (SQLite's, and `depot init`'s on PostgreSQL); servers on PostgreSQL
    /// must share the one key, never make their own.
    public private(set) var mayCreateKeyFile: Bool
    /// Where attachments' files are: `DB.attachments` beside an SQLite file; for PostgreSQL a folder every server
    /// shares, `nil` until one is given.
    public private(set) var attachmentDirectory: String?

    /// How long a command waits for another's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 120

    /// Where the data is.
    enum Backend: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresStore)
    }

    /// This database with the webhook secrets' key in `file`; `create` lets the first use make it.
    public func withKeyFile(_ file: String, create: Bool = false) -> DepotDatabase {
        var copy = self
        copy.keyFile = file
        copy.mayCreateKeyFile = create
        return copy
    }

    /// Where the PostgreSQL database is, `nil` for an SQLite file.
    public var postgresLocation: PostgresLocation? {
        if case .postgres(let store) = backend { return store.location }
        return nil
    }

    /// This database with attachments' files in `folder`.
    public func withAttachmentDirectory(_ folder: String) -> DepotDatabase {
        var copy = self
        copy.attachmentDirectory = folder
        return copy
    }

    /// Whether the data is in PostgreSQL.
    public var isPostgres: Bool {
        if case .postgres = backend { return true }
        return false
    }

    private init(path: String, policy: Policy, backend: Backend, now: @escaping @Sendable () -> Instant) {
        self.path = path
        self.policy = policy
        self.backend = backend
        self.now = now
        clocks = ClockCache(policy: policy)
        points = PointReaders(path: path)
        groups = WriteGroups()
        if case .sqlite = backend {
            (keyFile, mayCreateKeyFile, attachmentDirectory) = (path + ".key", true, path + ".attachments")
        } else {
            (keyFile, mayCreateKeyFile, attachmentDirectory) = (nil, false, nil)
        }
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
        now: @escaping @Sendable () -> Instant = { Instant(Date()) }, durability: Durability = .full
    ) throws(DepotError) -> DepotDatabase {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .databaseMissing(path: path)
        }
        let database = try connect(path: path, policy: policy, now: now, durability: durability)
        try database.migrate()
        return database
    }

    private static func connect(
        path: String, policy: Policy, now: @escaping @Sendable () -> Instant, durability: Durability = .full
    ) throws(DepotError) -> DepotDatabase {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in db.add(function: SQLFunctions.addMonths) }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // Issue 19: what is acknowledged survives a power cut (`Durability`). Set on the writer, the one
            // connection that commits, after the pool has opened it (GRDB sets NORMAL when it turns WAL on).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(durability.sqlitePragma)") }
            return DepotDatabase(path: path, policy: policy, backend: .sqlite(pool), now: now)
        } catch {
            throw storageError(error, path: path)
        }
    }

    /// Creates Depot's schema in the empty PostgreSQL database at `location` (or checks the one there) under the
    /// migration lock; `created` tells whether it was empty.
    public static func create(
        postgres location: PostgresLocation, policy: Policy, now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> (DepotDatabase, created: Bool) {
        let store = PostgresStore(location)
        do {
            let applied = try store.migrate()
            return (DepotDatabase(path: location.description, policy: policy, backend: .postgres(store), now: now), !applied.isEmpty)
        } catch {
            throw PostgresErrors.depotError(error, location: location)
        }
    }

    /// Opens the PostgreSQL database at `location`; refuses one without Depot's schema, one older than this build
    /// runs on, or one newer unless it is marked compatible with this build.
    /// `checkingSchema: false` opens it whatever its schema, for tools that repair or inspect it.
    public static func open(
        postgres location: PostgresLocation, policy: Policy, checkingSchema: Bool = true,
        now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> DepotDatabase {
        let store = PostgresStore(location)
        do {
            if checkingSchema { try store.read { db in try store.checkVersion(db) } }
        } catch {
            throw PostgresErrors.depotError(error, location: location)
        }
        return DepotDatabase(path: location.description, policy: policy, backend: .postgres(store), now: now)
    }

    /// Applies the migrations the PostgreSQL database at `location` lacks (`depot migrate`: a deploy step, under the
    /// migration lock); refuses a database without Depot's schema. Answers the database and what was applied.
    public static func migrate(
        postgres location: PostgresLocation, policy: Policy, now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> (DepotDatabase, applied: [String]) {
        let store = PostgresStore(location)
        do {
            let applied = try store.migrate(create: false)
            return (DepotDatabase(path: location.description, policy: policy, backend: .postgres(store), now: now), applied)
        } catch {
            throw PostgresErrors.depotError(error, location: location)
        }
    }

    /// Applies the migrations the SQLite file at `path` lacks (opening it does the same); refuses a missing file.
    public static func migrate(
        at path: String, policy: Policy, now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) throws(DepotError) -> (DepotDatabase, applied: [String]) {
        guard FileManager.default.fileExists(atPath: path) else { throw .databaseMissing(path: path) }
        let database = try connect(path: path, policy: policy, now: now)
        return (database, try database.migrate())
    }

    /// Applies the SQLite migrations the file lacks; answers their names.
    @discardableResult
    private func migrate() throws(DepotError) -> [String] {
        guard case .sqlite(let writer) = backend else { return [] }
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
        return migrator.migrations.filter { !applied.contains($0) }
    }

    /// The applied schema migrations, oldest first.
    public func schemaVersion() throws(DepotError) -> [String] {
        do {
            switch backend {
            case .sqlite(let writer): return try writer.read { db in try Schema.migrator.appliedMigrations(db) }
            case .postgres(let store): return try store.appliedMigrations()
            }
        } catch {
            throw storageError(error)
        }
    }

    /// Runs `body` in one immediate write transaction; it commits when `body` returns and rolls back
    /// when it throws. Inside a group commit (`grouped`) it runs in the group's transaction instead, in
    /// the savepoint of its own job.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            if let db = groups.currentConnection() { return try body(db) }
            switch backend {
            case .sqlite(let writer): return try writer.write { db in try body(GRDBConnection(db)) }
            case .postgres(let store): return try store.write(body)
            }
        } catch {
            throw storageError(error)
        }
    }

    /// Runs `body` in one immediate write transaction with foreign-key enforcement off, for the bulk
    /// appliance import only: every reference it writes is an id it read from the parent table inside the
    /// same write transaction, so SQLite's per-row parent lookups (half the insert's cost, measured) add
    /// nothing. Enforcement is back on before the connection serves anyone else.
    func writeTrustingReferences<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            guard case .sqlite(let writer) = backend else { return try write(body) }
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
    /// Inside a group commit's job it reads through the group's transaction, and so sees the job's own changes.
    public func read<T>(_ body: (any SQLConnection) throws -> T) throws(DepotError) -> T {
        do {
            if let db = groups.currentConnection() { return try body(db) }
            switch backend {
            case .sqlite(let writer): return try writer.read { db in try body(GRDBConnection(db)) }
            case .postgres(let store): return try store.read(body)
            }
        } catch {
            throw storageError(error)
        }
    }

    /// `PRAGMA integrity_check` on SQLite: `ok`, or the problems SQLite found. On PostgreSQL (whose server keeps its
    /// own pages whole) `ok` when the schema is one this build runs on, else the problem.
    public func integrityCheck() throws(DepotError) -> [String] {
        if case .postgres(let store) = backend {
            do {
                try store.read { db in try store.checkVersion(db) }
                return ["ok"]
            } catch {
                return [storageError(error).message]
            }
        }
        return try read { db in try db.values(String.self, "PRAGMA integrity_check") }
    }

    /// A Depot error as it is, anything else as a storage error in the backend's words.
    func storageError(_ error: any Error) -> DepotError {
        switch backend {
        case .sqlite: Self.storageError(error, path: path)
        case .postgres(let store): PostgresErrors.depotError(error, location: store.location)
        }
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
