import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot unit`: one appliance.
struct UnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Appliances: show one, refurbish or scrap a returned unit.",
        subcommands: [Show.self, Refurbish.self, Scrap.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a unit: place, warranty, lineage, cases and RMAs.")
        @Argument(help: "The serial number.") var serial: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let u = try store.open().unitDetail(serial)
            if output.resolved == .json { return try Output.json(u) }
            Output.rows(
                ["field", "value"],
                [
                    ["serial", u.serial], ["model", u.model], ["status", u.status.rawValue],
                    ["at", u.depot.map { "depot \($0)" } ?? [u.customer, u.site].compactMap { $0 }.joined(separator: " / ")],
                    ["shipped", u.shipDate.description],
                    ["warranty ends", u.warrantyEnd.description + (u.replacementWarranty ? " (replacement warranty)" : "")],
                    ["software", u.softwareVersion ?? ""], ["replaces", u.replaces ?? ""], ["replaced by", u.replacedBy ?? ""],
                    ["cases", u.cases.joined(separator: ", ")], ["RMAs", u.rmas.joined(separator: ", ")],
                ], format: output.resolved)
        }
    }

    struct Refurbish: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a returned unit back in stock at a depot.")
        @Argument(help: "The serial number.") var serial: String
        @Option(help: "The depot (default: one in the region of the unit's last site).") var depot: String?
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            try database.refurbish(serial: serial, depot: depot, at: at.instant, actor: store.actor)
            try UnitCommand.report(database.unitDetail(serial), output)
        }
    }

    struct Scrap: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scrap a returned unit or a spare.")
        @Argument(help: "The serial number.") var serial: String
        @Option(help: "Why.") var reason: String?
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            try database.scrap(serial: serial, reason: reason, at: at.instant, actor: store.actor)
            try UnitCommand.report(database.unitDetail(serial), output)
        }
    }

    static func report(_ unit: UnitDetail, _ output: FormatOptions) throws {
        if output.resolved == .json {
            try Output.json(KeyedAnswer(fields: ["serial": unit.serial, "status": unit.status.rawValue, "depot": unit.depot]))
        } else {
            Output.write("\(unit.serial): \(unit.status.rawValue)" + (unit.depot.map { " in depot \($0)" } ?? "") + "\n")
        }
    }
}

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
                    + "\(report.filesRemoved) stored files removed\n")
        }
    }
}

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
