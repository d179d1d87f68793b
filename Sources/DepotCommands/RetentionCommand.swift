import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot retention`
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "The data-retention rules (SPEC.md 6).",
        subcommands: [Run.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete what the retention rules say is due, auditing each deletion.",
            discussion: """
                Deletes the attachments of closed cases and the secure uploads older than the policy's \
                attachments.secure-retention-days (90 by default), closed or not, with their stored files. Nothing else \
                about a case is ever deleted automatically. depot serve runs this daily; cron can too.
                """)
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let report = try store.open().applyRetention(at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(report) }
            Output.write(
                "deleted \(report.closedCases) attachments of closed cases and \(report.secureExpired) expired secure uploads; "
                    + "\(report.filesRemoved) stored files removed; \(report.answersForgotten) recorded API answers forgotten\n")
        }
    }
}
