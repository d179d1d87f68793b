import ArgumentParser
import DepotCore
import DepotNotify
import DepotStore
import Foundation

/// `depot init`
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the Depot database (or bring an existing one up to the current schema).",
        discussion: """
            With --db (the default) the database is one SQLite file in WAL mode; back it up with \
            `sqlite3 FILE .backup COPY`. With --database postgres://... Depot's schema is created in an empty \
            PostgreSQL database, under an advisory lock so two servers starting at once create it once; with \
            --key-file the key that seals webhook secrets is made there too (once: give that one file to every server).
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions
    @Option(
        name: .customLong("grant-to"),
        help: ArgumentHelp(
            "PostgreSQL: grant this existing role (the servers' login) what Depot needs, the audit log only to read and add to.",
            valueName: "role"))
    var grantTo: String?

    func run() throws {
        let (database, created) = try store.create()
        if let grantTo { try database.grantApplicationRole(grantTo) }
        let schema = try database.schemaVersion()
        var key: String?
        if database.isPostgres, let file = database.keyFile {
            key = try database.prepareWebhookKey() ? "created" : "present"
            key = "\(file) (\(key ?? ""))"
        }
        if output.resolved == .json {
            try Output.json(
                KeyedAnswer(fields: ["database": database.path, "created": created ? "yes" : "no", "schema": schema.last, "keyFile": key]))
        } else {
            Output.write((created ? "created " : "up to date: ") + "\(database.path) (schema \(schema.last ?? "none"))\n")
            if let key { Output.write("key file: \(key)\n") }
        }
    }
}

/// `depot migrate`
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database up to this Depot's schema: the deploy step before new servers start.",
        discussion: """
            Applies the migrations this build knows and the database lacks, in one transaction under an advisory \
            lock (two deploys at once apply them once). Migrations only add, so servers of the previous build keep \
            running on the migrated schema while the new ones start; a server refuses a schema newer than it knows \
            unless that schema says it is still compatible. An SQLite file is also migrated by any command that opens it.
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions
    @Option(
        name: .customLong("grant-to"),
        help: ArgumentHelp("PostgreSQL: grant this role the new tables too (as depot init --grant-to).", valueName: "role"))
    var grantTo: String?

    struct Result: Encodable {
        let database: String
        let applied: [String]
        let schema: String?
    }

    func run() throws {
        let (database, applied): (DepotDatabase, [String])
        switch try store.target() {
        case .sqlite(let path): (database, applied) = try DepotDatabase.migrate(at: path, policy: store.policy.load())
        case .postgres(let location): (database, applied) = try DepotDatabase.migrate(postgres: location, policy: store.policy.load())
        }
        if let grantTo { try database.grantApplicationRole(grantTo) }
        let schema = try database.schemaVersion()
        let result = Result(database: database.path, applied: applied, schema: schema.last)
        if output.resolved == .json { return try Output.json(result) }
        Output.write(
            result.applied.isEmpty
                ? "up to date: \(result.database) (schema \(result.schema ?? "none"))\n"
                : "migrated \(result.database): \(result.applied.joined(separator: ", ")) (schema \(result.schema ?? "none"))\n")
    }
}
