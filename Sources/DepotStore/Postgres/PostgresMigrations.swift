import DepotCore
import Foundation

extension PostgresStore {
    /// Brings the database to this build's schema under the migration lock (`depot init`, `depot migrate`): creates
    /// it in an empty database when `create` allows, then applies the migrations it lacks, in one transaction;
    /// answers the migrations it applied.
    @discardableResult
    func migrate(create: Bool = true) throws -> [String] {
        try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                try connection.execute("SELECT pg_advisory_xact_lock(?)", [Self.migrationLock])
                var applied: [String] = []
                if try !connection.tableExists("depot_migration") {
                    guard create else { throw noSchema }
                    applied = try createBaseline(connection)
                }
                let done = Set(try connection.values(String.self, "SELECT name FROM depot_migration"))
                let now = Instant(Date()).description
                for migration in PostgresSchema.migrations where !done.contains(migration.name) {
                    for statement in Self.statements(migration.sql) { try connection.execute(statement) }
                    try connection.execute("INSERT INTO depot_migration (name, applied_at) VALUES (?, ?)", [migration.name, now])
                    try connection.execute(
                        "UPDATE depot_schema SET version = version + 1, compatible_since = ?", [migration.compatibleSince])
                    applied.append(migration.name)
                }
                try checkVersion(connection)
                try connection.execute("COMMIT")
                return applied
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private var noSchema: DepotError {
        .storage(path: location.description, message: "no Depot schema in this database; create it with depot init --database URL")
    }

    /// The schema as the baseline (v10) has it, in an empty database.
    private func createBaseline(_ connection: PGConnection) throws -> [String] {
        guard
            try connection.value(
                Int.self, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()") == 0
        else {
            throw DepotError.storage(
                path: location.description, message: "the database holds tables but no Depot schema; give Depot an empty database")
        }
        for statement in Self.statements(PostgresSchema.v10) { try connection.execute(statement) }
        try connection.execute(
            "CREATE TABLE depot_migration (name TEXT COLLATE \"C\" PRIMARY KEY, applied_at TEXT COLLATE \"C\" NOT NULL)")
        try connection.execute("CREATE TABLE depot_schema (version BIGINT NOT NULL, compatible_since BIGINT NOT NULL)")
        let now = Instant(Date()).description
        for name in PostgresSchema.baseline {
            try connection.execute("INSERT INTO depot_migration (name, applied_at) VALUES (?, ?)", [name, now])
        }
        try connection.execute(
            "INSERT INTO depot_schema (version, compatible_since) VALUES (?, ?)",
            [PostgresSchema.baseline.count, PostgresSchema.baseline.count])
        return PostgresSchema.baseline
    }

    /// Refuses a schema this build cannot run on: one without Depot's tables, one newer than it knows unless that
    /// schema says this build's version is still compatible, or one older than this build needs (run `depot migrate`).
    func checkVersion(_ connection: any SQLConnection) throws {
        guard try connection.tableExists("depot_schema"),
            let row = try connection.rows("SELECT version, compatible_since FROM depot_schema", source: "depot_schema").first
        else { throw noSchema }
        let (version, since): (Int, Int) = (try row("version"), try row("compatible_since"))
        let known = PostgresSchema.version
        if version > known && since > known {
            let names = try connection.values(String.self, "SELECT name FROM depot_migration ORDER BY name")
            let unknown = names.filter { !PostgresSchema.known.contains($0) }
            throw DepotError.databaseNewer(path: location.description, unknownMigrations: unknown)
        }
        if version < known {
            throw DepotError.storage(
                path: location.description, message: "the schema is at version \(version); this Depot needs \(known): run depot migrate")
        }
    }

    /// The applied migrations, by name.
    func appliedMigrations() throws -> [String] {
        let applied = try read { db in try db.values(String.self, "SELECT name FROM depot_migration ORDER BY applied_at, name") }
        // In the order this build knows them (the baseline's share one time), then any from a newer build.
        let known = PostgresSchema.known
        return known.filter(applied.contains) + applied.filter { !known.contains($0) }
    }

    /// The statements of a script, one by one: split at semicolons outside quotes and `$$` bodies.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false
        var inBody = false
        var previous: Character = " "
        var lineComment = false
        for character in script {
            if lineComment {
                if character == "\n" { lineComment = false }
                continue
            }
            if !inQuote && !inBody && character == "-" && previous == "-" {
                current.removeLast()
                lineComment = true
                previous = " "
                continue
            }
            if character == "'" && !inBody { inQuote.toggle() }
            if character == "$" && previous == "$" && !inQuote { inBody.toggle() }
            if character == ";" && !inQuote && !inBody {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
