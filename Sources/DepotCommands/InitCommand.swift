import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot init`
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the Depot database (or bring an existing one up to the current schema).",
        discussion: "The database is one SQLite file in WAL mode; back it up with `sqlite3 FILE .backup COPY`."
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let (database, created) = try DepotDatabase.create(at: store.resolvedPath, policy: store.policy.load())
        let schema = try database.schemaVersion()
        if output.resolved == .json {
            try Output.json(KeyedAnswer(fields: ["database": database.path, "created": created ? "yes" : "no", "schema": schema.last]))
        } else {
            Output.write((created ? "created " : "up to date: ") + "\(database.path) (schema \(schema.last ?? "none"))\n")
        }
    }
}
