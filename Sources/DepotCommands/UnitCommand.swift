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
            let u = try store.open().unitDetail(Serial.named(serial))
            if output.resolved == .json { return try Output.json(u) }
            Output.rows(
                ["field", "value"],
                [
                    ["serial", u.serial.text], ["model", u.model], ["status", u.status.rawValue],
                    ["at", u.depot.map { "depot \($0)" } ?? [u.customer, u.site].compactMap { $0 }.joined(separator: " / ")],
                    ["shipped", u.shipDate.description],
                    ["warranty ends", u.warrantyEnd.description + (u.replacementWarranty ? " (replacement warranty)" : "")],
                    ["software", u.softwareVersion ?? ""], ["replaces", u.replaces?.text ?? ""], ["replaced by", u.replacedBy?.text ?? ""],
                    ["cases", u.cases.map(\.text).joined(separator: ", ")], ["RMAs", u.rmas.map(\.text).joined(separator: ", ")],
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
            try database.refurbish(serial: Serial.named(serial), depot: depot, at: at.instant, actor: store.actor)
            try UnitCommand.report(database.unitDetail(Serial.named(serial)), output)
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
            try database.scrap(serial: Serial.named(serial), reason: reason, at: at.instant, actor: store.actor)
            try UnitCommand.report(database.unitDetail(Serial.named(serial)), output)
        }
    }

    static func report(_ unit: UnitDetail, _ output: FormatOptions) throws {
        if output.resolved == .json {
            try Output.json(KeyedAnswer(fields: ["serial": unit.serial.text, "status": unit.status.rawValue, "depot": unit.depot]))
        } else {
            Output.write("\(unit.serial): \(unit.status.rawValue)" + (unit.depot.map { " in depot \($0)" } ?? "") + "\n")
        }
    }
}
