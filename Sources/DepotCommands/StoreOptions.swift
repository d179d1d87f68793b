import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `--db` or `--database`, `--key-file`, `--as` and `--policy`: shared by every command that uses the database.
public struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The Depot database as one SQLite file. Default: $DEPOT_DB, else ./depot.sqlite (unless $DEPOT_DATABASE is set).",
            valueName: "path"))
    var path: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "A PostgreSQL database shared by several servers: postgres://USER[:PASSWORD]@HOST[:PORT]/NAME[?sslmode=...]. "
                + "Default: $DEPOT_DATABASE.",
            valueName: "url"))
    var url: String?

    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "The file of the key that seals webhook secrets: on PostgreSQL the one file every server is given (depot init "
                + "makes it). Default: $DEPOT_KEY_FILE; on SQLite, DB.key beside the file.",
            valueName: "path"))
    var keyFile: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Act as this user in the audit log. Default: $DEPOT_USER, else the login name.", valueName: "name"))
    var user: String?

    @OptionGroup var policy: PolicyOptions

    public init() {}

    public func validate() throws {
        if let user {
            let name = user.trimmingSpaces()
            guard !name.isEmpty else { throw ValidationError("--as needs a user name") }
            guard name.count <= 100, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ValidationError("--as: a user name is one line of at most 100 characters")
            }
        }
        if path != nil && url != nil { throw ValidationError("give --db (an SQLite file) or --database (PostgreSQL), not both") }
        if let keyFile, keyFile.isEmpty { throw ValidationError("--key-file needs a path") }
        _ = try target()
    }

    /// Where the database is: an SQLite file or a PostgreSQL database.
    enum Target {
        case sqlite(String)
        case postgres(PostgresLocation)
    }

    /// The database in force: `--database`, else `--db`, else `$DEPOT_DATABASE`, else `$DEPOT_DB`, else `./depot.sqlite`.
    func target() throws(DepotError) -> Target {
        let environment = ProcessInfo.processInfo.environment
        if let url { return .postgres(try PostgresLocation(url, argument: "--database")) }
        if let path, !path.isEmpty { return .sqlite(path) }
        if let url = environment["DEPOT_DATABASE"], !url.isEmpty {
            return .postgres(try PostgresLocation(url, argument: "$DEPOT_DATABASE"))
        }
        if let env = environment["DEPOT_DB"], !env.isEmpty { return .sqlite(env) }
        return .sqlite("depot.sqlite")
    }

    /// The key file given (`--key-file`, else `$DEPOT_KEY_FILE`), if any.
    var resolvedKeyFile: String? {
        if let keyFile { return keyFile }
        if let env = ProcessInfo.processInfo.environment["DEPOT_KEY_FILE"], !env.isEmpty { return env }
        return nil
    }

    /// Opens the existing database; refuses a missing one, or a schema this build cannot run on.
    func open(durability: Durability = .full) throws(DepotError) -> DepotDatabase {
        let database: DepotDatabase
        switch try target() {
        case .sqlite(let path): database = try DepotDatabase.open(at: path, policy: policy.load(), durability: durability)
        case .postgres(let location):
            guard durability == .full else {
                throw .invalidArgument(
                    name: "--durability", value: durability.rawValue, reason: "on PostgreSQL its own synchronous_commit decides")
            }
            database = try DepotDatabase.open(postgres: location, policy: policy.load())
        }
        return withKey(database, create: !database.isPostgres)
    }

    /// Creates the database (an SQLite file, or Depot's schema in an empty PostgreSQL database), or brings an existing
    /// one up to this build's schema; `created` tells which.
    func create() throws(DepotError) -> (DepotDatabase, created: Bool) {
        let (database, created): (DepotDatabase, Bool)
        switch try target() {
        case .sqlite(let path): (database, created) = try DepotDatabase.create(at: path, policy: policy.load())
        case .postgres(let location): (database, created) = try DepotDatabase.create(postgres: location, policy: policy.load())
        }
        return (withKey(database, create: true), created)
    }

    /// `database` with the key file given, which `create` lets this command make (servers on PostgreSQL never make
    /// their own: they share the one `depot init` made).
    private func withKey(_ database: DepotDatabase, create: Bool) -> DepotDatabase {
        guard let file = resolvedKeyFile else { return database }
        return database.withKeyFile(file, create: create)
    }

    /// Who the command acts as. The command line is the operator's own tool on the database file, so
    /// it acts with the admin role; the server (which has sign-in) checks each user's own role.
    var actor: ActingUser {
        let environment = ProcessInfo.processInfo.environment
        let name =
            [user, environment["DEPOT_USER"], environment["USER"], environment["LOGNAME"]]
            .compactMap { $0?.trimmingSpaces() }.first { !$0.isEmpty } ?? "operator"
        return ActingUser(user: name, role: .admin)
    }
}

/// `--at`: when a step happened; default now.
public struct AtOption: ParsableArguments {
    @Option(
        help: ArgumentHelp("When it happened (ISO 8601 with a UTC offset). Default: now.", valueName: "instant"),
        transform: Parse.instant)
    var at: Instant?

    public init() {}

    var instant: Instant { at ?? Instant(Date()) }
}

extension CaseType: ExpressibleByArgument {}
extension Level: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}
extension CaseStatus: ExpressibleByArgument {}
extension RMAState: ExpressibleByArgument {}
extension RMAPath: ExpressibleByArgument {}
extension ReferralOutcome: ExpressibleByArgument {}
extension ImportEntity: ExpressibleByArgument {}

/// A one-key JSON answer, `{"case": "CS-2026-000001"}`.
struct KeyedAnswer: Encodable {
    let fields: [String: String?]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in fields { try c.encode(value, forKey: AnyKey(stringValue: key)) }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
