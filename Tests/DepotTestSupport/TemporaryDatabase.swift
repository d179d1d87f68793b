import DepotCore
import Foundation
import GRDB

@testable import DepotStore

/// A folder under the system's temporary folder, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    /// The folder's path.
    public let path: String

    /// Creates a new empty folder.
    public init() {
        path = NSTemporaryDirectory() + "depot-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` in the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let file = path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        return file
    }
}

/// The backend the tests run on: SQLite files, or with `DEPOT_TEST_DATABASE=postgres://USER@HOST:PORT/DB` a fresh
/// database on that PostgreSQL server for every test database (created through DB, which must exist).
public enum TestBackend {
    public static let postgres: PostgresLocation? = {
        guard let url = ProcessInfo.processInfo.environment["DEPOT_TEST_DATABASE"], !url.isEmpty else { return nil }
        do {
            return try PostgresLocation(url, argument: "DEPOT_TEST_DATABASE")
        } catch {
            fatalError("DEPOT_TEST_DATABASE: \(error)")
        }
    }()

    /// Whether the tests run on PostgreSQL.
    public static var isPostgres: Bool { postgres != nil }

    /// A new empty database for a test: `depot.sqlite` in `folder`, or a fresh PostgreSQL database (its webhook key
    /// file in `folder`, its attachments in the database).
    public static func database(in folder: TemporaryFolder, policy: Policy, clock: TestClock) throws -> DepotDatabase {
        guard let server = postgres else {
            return try DepotDatabase.create(at: folder.path + "/depot.sqlite", policy: policy, now: { clock.now }).0
        }
        let location = try server.createDatabase("depot_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        let (database, _) = try DepotDatabase.create(postgres: location, policy: policy, now: { clock.now })
        return database.withKeyFile(folder.path + "/depot.key", create: true)
    }
}

/// The "now" of a test database: fixed, moved only by the test (steps dated after it are refused as from the future).
/// As a `DepotClock` its waits end only when the test moves the clock past them, so a test drives background work.
public final class TestClock: DepotClock, @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Instant
    private var sleepers: [(id: Int, until: Instant, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextSleeper = 0

    /// A clock standing at `instant`.
    public init(_ instant: Instant) { self.instant = instant }

    /// The clock's time.
    public var now: Instant {
        lock.lock()
        defer { lock.unlock() }
        return instant
    }

    /// Sets the clock, waking every wait it passes.
    public func set(_ newInstant: Instant) {
        lock.lock()
        instant = newInstant
        let woken = sleepers.filter { $0.until <= newInstant }
        sleepers.removeAll { $0.until <= newInstant }
        lock.unlock()
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Moves the clock on.
    public func advance(seconds: Int64) { set(now.adding(seconds: seconds)) }

    /// Waits until the test moves the clock `duration` on from now.
    public func sleep(for duration: Duration) async throws {
        let id = lock.withLock {
            nextSleeper += 1
            return nextSleeper
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                let until = instant.adding(seconds: duration.components.seconds)
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                } else {
                    sleepers.append((id, until, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let cancelled = sleepers.filter { $0.id == id }
            sleepers.removeAll { $0.id == id }
            lock.unlock()
            for sleeper in cancelled { sleeper.continuation.resume(throwing: CancellationError()) }
        }
    }

    /// How many waits are pending (a test waits for a service to reach its sleep before moving the clock).
    public var waiting: Int { lock.withLock { sleepers.count } }
}

/// A real SQLite database in a temporary folder, with the small fleet of `Fleet` imported.
public struct TestDepot: Sendable {
    public let folder: TemporaryFolder
    public let database: DepotDatabase
    /// The database's "now" (by default 2031-01-01, after every date the tests use).
    public let clock: TestClock

    /// Where a test database's clock starts.
    public static let defaultNow = Instant(iso: "2031-01-01T00:00:00Z")!

    /// The test administrator, a support engineer and a logistics user.
    public static let admin = ActingUser(user: "ada", role: .admin)
    public static let engineer = ActingUser(user: "sam", role: .supportEngineer)
    public static let logistics = ActingUser(user: "lou", role: .logistics)
    public static let accountManager = ActingUser(user: "amy", role: .accountManager)

    /// The same database through a handle of its own, as another process would open it, with `policy`.
    public func reopen(policy: Policy? = nil) throws -> DepotDatabase {
        let policy = policy ?? database.policy
        let clock = clock
        guard let location = database.postgresLocation else {
            return try DepotDatabase.open(at: database.path, policy: policy, now: { clock.now })
        }
        let reopened = try DepotDatabase.open(postgres: location, policy: policy, now: { clock.now })
        let keyed = database.keyFile.map { reopened.withKeyFile($0) } ?? reopened
        return database.attachmentDirectory.map { keyed.withAttachmentDirectory($0) } ?? keyed
    }

    /// Runs `body` on a connection of its own outside Depot's workflows, in one transaction, as `sqlite3`, `psql` or
    /// a repair script would write: the schema's triggers apply, Depot's checks do not.
    public func outside<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        guard let location = database.postgresLocation else {
            return try DatabaseQueue(path: database.path).write { db in try body(GRDBConnection(db)) }
        }
        return try DepotDatabase.open(postgres: location, policy: database.policy, checkingSchema: false).write(body)
    }

    /// Writes `value` into `table.column` of the rows `condition` selects, past the schema's CHECK constraints (on
    /// PostgreSQL, which cannot set them aside, this throw-away database loses the table's): a value changed outside
    /// Depot or by a newer version.
    public func corrupt(_ table: String, _ column: String, _ value: String, where condition: String, _ arguments: [any SQLBindable])
        throws
    {
        try outside { db in
            switch db.dialect {
            case .sqlite:
                try db.execute("PRAGMA ignore_check_constraints = ON")
                try db.execute("UPDATE \(table) SET \(column) = ? WHERE \(condition)", [value] + arguments)
                try db.execute("PRAGMA ignore_check_constraints = OFF")
            case .postgres:
                let checks = try db.values(
                    String.self, "SELECT conname FROM pg_constraint WHERE conrelid = CAST(? AS regclass) AND contype = 'c'", [table])
                for check in checks { try db.execute("ALTER TABLE \(table) DROP CONSTRAINT \"\(check)\"") }
                try db.execute("UPDATE \(table) SET \(column) = ? WHERE \(condition)", [value] + arguments)
            }
        }
    }

    /// An empty database.
    public static func empty(policy: Policy = Policy.builtInDefault(), now: Instant = defaultNow) throws -> TestDepot {
        let folder = TemporaryFolder()
        let clock = TestClock(now)
        let database = try TestBackend.database(in: folder, policy: policy, clock: clock)
        return TestDepot(folder: folder, database: database, clock: clock)
    }

    /// A database holding `Fleet`'s models, customers, sites, depots, contracts, contacts, releases and appliances.
    public static func withFleet(policy: Policy = Policy.builtInDefault(), now: Instant = defaultNow) throws -> TestDepot {
        let depot = try empty(policy: policy, now: now)
        try depot.importAll(Fleet.files)
        // The welcome letters of the fixture's designated contacts: a test sees only the notifications of its own steps.
        _ = try depot.outside { db in try db.execute("DELETE FROM notification WHERE event = 'contact-welcome'") }
        return depot
    }

    /// When `importAll` imports: the fleet's contracts are active (designating contacts needs one on the day).
    public static let importedAt = Instant(iso: "2026-01-02T12:00:00Z")!

    /// Imports files given as (entity, CSV text), in order.
    public func importAll(_ files: [(ImportEntity, String)]) throws {
        for (entity, text) in files {
            let file = folder.write("\(entity.rawValue).csv", text)
            _ = try database.importFile(entity, path: file, actor: Self.admin, at: Self.importedAt)
        }
    }
}

/// A small fleet with known answers: one customer per tier and region, spares in two depots.
public enum Fleet {
    public static let models = """
        model,name,warranty_months,successor
        DX-100,Depot X 100,12,DX-200
        DX-200,Depot X 200,24,
        """
    public static let customers = """
        customer,name,region,account_manager,tam
        ACME,Acme Corp,americas,Alice Manager,Tom Tam
        GLOBEX,Globex GmbH,emea,Bob Manager,
        INITECH,Initech Pty,apac,Carol Manager,
        NOCON,No Contract Ltd,emea,Bob Manager,
        """
    public static let sites = """
        site,customer,name,country,region,address
        ACME-NYC,ACME,New York,US,americas,"1 Broadway, New York"
        GLOBEX-LON,GLOBEX,London,GB,emea,1 Strand
        INITECH-SYD,INITECH,Sydney,AU,apac,1 George St
        NOCON-LON,NOCON,London,GB,emea,2 Strand
        """
    public static let depots = """
        depot,name,region,address
        D-US,Memphis,americas,"4100 Depot Way, Memphis TN 38118, US"
        D-EU,Amsterdam,emea,"Havenweg 12, 1043 AB Amsterdam, NL"
        """
    public static let contracts = """
        contract,customer,tier,start_date,end_date,max_contacts
        C-ACME,ACME,premium-plus,2026-01-01,2026-12-31,2
        C-GLOBEX,GLOBEX,standard,2026-01-01,2026-12-31,2
        C-INITECH,INITECH,premium,2026-01-01,2026-12-31,1
        """
    public static let contacts = """
        email,customer,name,designated,certified
        ops@acme.example,ACME,Olga Ops,yes,yes
        dev@acme.example,ACME,Dan Dev,no,no
        it@globex.example,GLOBEX,Ivan IT,yes,yes
        it@initech.example,INITECH,Ines IT,yes,yes
        it@nocon.example,NOCON,Nora IT,no,no
        """
    public static let releases = """
        version,released_on
        5.0,2025-01-15
        5.1,2025-09-01
        """
    /// ACME-1 and GLOBEX-1 in warranty on 2026-11-23; GLOBEX-OLD out of warranty; spares of both models.
    public static let appliances = """
        serial,model,customer,site,depot,ship_date,software_version,status
        ACME-1,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
        GLOBEX-1,DX-100,GLOBEX,GLOBEX-LON,,2026-02-01,5.1,
        GLOBEX-OLD,DX-100,GLOBEX,GLOBEX-LON,,2024-01-10,5.0,
        INITECH-1,DX-200,INITECH,INITECH-SYD,,2023-05-05,5.0,
        NOCON-1,DX-100,NOCON,NOCON-LON,,2026-06-01,5.1,
        SPARE-US-1,DX-100,,,D-US,2026-01-10,5.1,in-stock
        SPARE-EU-1,DX-100,,,D-EU,2026-01-10,5.1,in-stock
        SPARE-EU-2,DX-200,,,D-EU,2026-01-10,5.1,in-stock
        """

    /// Every file in dependency order.
    public static let files: [(ImportEntity, String)] = [
        (.models, models), (.customers, customers), (.sites, sites), (.depots, depots), (.contracts, contracts),
        (.contacts, contacts), (.releases, releases), (.appliances, appliances),
    ]
}
