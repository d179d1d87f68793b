import ArgumentParser
import DepotCore
import DepotNotify
import DepotStore
import Foundation

/// `depot demo`
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill a new database with a realistic demo fleet.",
        discussion: """
            Customers in all three regions and every tier (and some without a contract), sites, depots with spares, \
            releases, and cases and RMAs in every state, made through the same imports and workflows users run. \
            The database must not exist yet (or be empty): the demo never mixes with real data.
            """
    )

    @Option(help: "How many units in service (60 to 5000000).") var appliances = 200
    @Option(help: "How many customers share them (9 to 200000). Default: one per 25 units, at least 9.") var customers: Int?
    @Option(help: "The seed of the generated data.") var seed: UInt64 = 2026
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func validate() throws {
        guard (60...DemoFleet.maxAppliances).contains(appliances) else {
            throw ValidationError("--appliances must be from 60 to \(DemoFleet.maxAppliances)")
        }
        if let customers, !DemoFleet.customerRange.contains(customers) {
            throw ValidationError(
                "--customers must be from \(DemoFleet.customerRange.lowerBound) to \(DemoFleet.customerRange.upperBound)")
        }
    }

    func run() throws {
        let (database, created) = try store.create()
        guard try database.isEmpty() else {
            throw DepotError.refused(subject: database.path, reason: "already holds data; the demo fills only a new database")
        }
        var filled = false
        defer {
            // A demo that fails half-way leaves no half-filled database behind.
            if !filled && created && !database.isPostgres {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
            }
        }
        let folder = NSTemporaryDirectory() + "depot-demo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var fleet = DemoFleet(appliances: appliances, customers: customers, base: at.instant, seed: seed)
        let summary = try fleet.fill(database, actor: store.actor, folder: folder)
        filled = true
        // The servers of a PostgreSQL installation share one key file, made now as `depot init` makes it.
        if database.isPostgres, database.keyFile != nil { _ = try database.prepareWebhookKey() }
        if output.resolved == .json { return try Output.json(summary) }
        let option = database.isPostgres ? "--database" : "--db"
        Output.write(
            """
            \(database.path): \(summary.customers) customers, \(summary.appliances) units in service, \(summary.spares) spares, \
            \(summary.cases) cases, \(summary.rmas) RMAs
            try: depot case list --open \(option) \(database.path)
                 depot rma list \(option) \(database.path)

            """)
    }
}
