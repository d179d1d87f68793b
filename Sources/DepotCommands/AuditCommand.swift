import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot audit`
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit log: who, in which role, when, what and why.",
        discussion: "Entities: case, rma, appliance, and the imported ones (model, customer, ...). The log is append-only."
    )

    @Option(help: "Only entries about this kind of record.") var entity: String?
    @Option(help: "Only entries about this record (a case or RMA number, a serial, a file).") var key: String?
    @Option(help: "Only entries by this user.") var user: String?
    @Option(parsing: .unconditional, help: "The most recent this many.") var limit = 1000

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit \(limit) must be at least 1") }
    }
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let entries = try store.open().auditEntries(entity: entity, key: key, user: user, limit: limit)
        if output.resolved == .json { return try Output.json(entries) }
        Output.rows(
            ["at", "user", "role", "action", "entity", "key", "reason", "details"],
            entries.map { [$0.at.description, $0.user, $0.role, $0.action, $0.entity, $0.key, $0.reason ?? "", $0.details] },
            format: output.resolved)
    }
}
