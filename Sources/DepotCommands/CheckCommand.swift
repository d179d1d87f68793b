import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot check`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the database: SQLite's integrity check, and the tallies pages count from against a recount.",
        discussion: """
            The tallies (units per customer, depot, status and model; units in service per warranty end day and \
            site) are kept by triggers in the transaction of every change, so they never drift unless the database \
            was changed with its triggers set aside. Exits 1 when something is wrong. --repair (admins) sets the \
            tallies to the recount, in one audited transaction.
            """)

    @Flag(help: "Set the tallies to a recount of the units (admins).") var repair = false
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    struct Result: Encodable {
        let integrity: [String]
        let tallyDifferences: [String]
        let repaired: Bool
    }

    func run() throws {
        let database = try store.open()
        let integrity = try database.integrityCheck()
        let differences =
            repair ? try database.recountTallies(at: at.instant, actor: store.actor) : try database.tallyDrift()
        let result = Result(integrity: integrity, tallyDifferences: differences, repaired: repair)
        let healthy = integrity == ["ok"] && (differences.isEmpty || repair)
        if output.resolved == .json {
            try Output.json(result)
        } else {
            var text = "integrity: \(integrity.joined(separator: "; "))\n"
            text +=
                differences.isEmpty
                ? "tallies: equal to a recount\n"
                : "tallies: \(differences.count) difference\(differences.count == 1 ? "" : "s") from a recount"
                    + (repair ? ", repaired" : " (depot check --repair sets them to the recount)") + "\n"
                    + differences.map { "  \($0)\n" }.joined()
            Output.write(text)
        }
        if !healthy { throw ExitCode(1) }
    }
}
