import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot check`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the database: its integrity, the fleet's invariants, and the tallies against a recount.",
        discussion: """
            The integrity check is SQLite's (on PostgreSQL: that the schema is one this build runs on). The fleet's \
            invariants (SPEC.md 10) are what Depot's workflows keep: every unit in one place with a status that \
            agrees with it, every open RMA's units in the states its own state expects, a spare the replacement of \
            at most one open RMA, lineage without loops, events in order; each broken one is listed naming the \
            records. Nothing repairs them: they point at a change made past Depot. The tallies (units per customer, \
            depot, status and model; units in service per warranty end day and site) are kept by triggers in the \
            transaction of every change, so they never drift unless the database \
            was changed with its triggers set aside. Exits 1 when something is wrong. --repair (admins) sets the \
            tallies to the recount, in one audited transaction.
            """)

    @Flag(help: "Set the tallies to a recount of the units (admins).") var repair = false
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    struct Result: Encodable {
        let integrity: [String]
        let invariants: [String]
        let tallyDifferences: [String]
        let repaired: Bool
    }

    func run() throws {
        let database = try store.open()
        let integrity = try database.integrityCheck()
        let invariants = integrity == ["ok"] ? try database.invariantViolations() : []
        let differences =
            repair ? try database.recountTallies(at: at.instant, actor: store.actor) : try database.tallyDrift()
        let result = Result(integrity: integrity, invariants: invariants, tallyDifferences: differences, repaired: repair)
        let healthy = integrity == ["ok"] && invariants.isEmpty && (differences.isEmpty || repair)
        if output.resolved == .json {
            try Output.json(result)
        } else {
            var text = "integrity: \(integrity.joined(separator: "; "))\n"
            text +=
                invariants.isEmpty
                ? "invariants: all hold\n"
                : "invariants: \(invariants.count) broken\n" + invariants.map { "  \($0)\n" }.joined()
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
