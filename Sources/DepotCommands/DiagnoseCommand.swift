import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot diagnose`
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Record a diagnosis; a defective verdict starts an RMA.",
        discussion: """
            defective runs the RMA engine (contract tier and warranty on the verdict's day in the region of the unit's \
            site) and prints the RMA's number, path and ship-by deadline; not-defective returns the unit to service; \
            needs-more-info leaves it suspect.
            """
    )

    @Argument(help: "The unit's serial number.") var serial: String
    @Option(name: .customLong("case"), help: "The case number.") var caseNumber: String
    @Option(help: "defective, not-defective or needs-more-info.") var verdict: Verdict
    @Option(help: "What was checked and found.") var note: String
    @Option(help: "Structured checks, e.g. \"psu=fail;fan=ok\".") var checks: String = ""
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let outcome = try store.open().diagnose(
            serial: Serial.named(serial), caseNumber: CaseNumber.named(caseNumber), verdict: verdict, note: note, checks: checks,
            at: at.instant, actor: store.actor)
        if output.resolved == .json { return try Output.json(outcome) }
        var text = "\(verdict.rawValue); unit \(outcome.unitStatus.rawValue)\n"
        if let rma = outcome.rma, let path = outcome.path {
            text += "\(rma) \(path.rawValue)" + (outcome.shipBy.map { ", ship by \($0)" } ?? "") + "\n"
            if let reason = outcome.reason { text += "why: \(reason)\n" }
        }
        Output.write(text)
    }
}
