import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot escalate`
struct EscalateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalate",
        abstract: "Fire every escalation that is due and queue its notification.",
        discussion:
            "Each escalation fires once per case and target, however often (or however concurrently) this runs; run it from cron every minute."
    )

    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let fired = try store.open().escalate(at: at.instant, actor: store.actor)
        if output.resolved == .json { return try Output.json(fired) }
        Output.rows(
            ["case", "target", "due"], fired.map { [$0.caseNumber, $0.target.rawValue, $0.due.description] }, format: output.resolved)
    }
}
