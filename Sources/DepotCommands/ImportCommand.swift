import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot import ENTITY FILE`
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import one CSV file of models, customers, sites, depots, contracts, contacts, releases or appliances.",
        discussion: """
            The first row names the columns, in any order; unknown columns are refused. A row whose key exists \
            updates that record (columns the file leaves out keep their values); the import is all-or-nothing, \
            and a refused file lists every bad row by line and column. Import parents first: models, customers, \
            sites, depots, contracts, contacts, releases, then appliances. Columns:

            \(ImportEntity.help)
            """
    )

    @Argument(help: "What the file holds: \(ImportEntity.allCases.map(\.rawValue).joined(separator: ", ")).") var entity: ImportEntity
    @Argument(help: "The CSV file (UTF-8, RFC 4180).") var file: String
    @Option(name: .customLong("max-errors"), parsing: .unconditional, help: "List at most this many bad rows.") var maxErrors = 50

    func validate() throws {
        guard maxErrors >= 1 else { throw ValidationError("--max-errors \(maxErrors) must be at least 1") }
    }
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let database = try store.open()
        let bar = isatty(STDERR_FILENO) != 0 ? ProgressBar(label: "importing \(entity.rawValue)") : nil
        let summary = try database.importFile(
            entity, path: file, actor: store.actor, at: Instant(Date()), problemLimit: maxErrors,
            progress: bar.map { bar in { bar.update($0, of: $1) } })
        bar?.finish()
        if output.resolved == .json {
            try Output.json(summary)
        } else {
            Output.write(
                "\(file): \(summary.rows) rows: \(summary.added) added, \(summary.updated) updated, \(summary.unchanged) unchanged\n")
        }
    }
}

/// A progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar {
    private let label: String
    private var lastDraw: UInt64 = 0
    private var drawn = false

    init(label: String) { self.label = label }

    func update(_ done: Int, of total: Int?) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        drawn = true
        let megabytes = String(format: "%.1f MB", Double(done) / 1_000_000)
        guard let total, total > 0 else {
            Output.writeRaw("\r\(label) \(megabytes)")
            return
        }
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        Output.writeRaw(
            "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                + "] \(Int(fraction * 100))% \(megabytes)")
    }

    func finish() {
        if drawn { Output.writeRaw("\r\u{1B}[K") }
    }
}
