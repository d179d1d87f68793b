import ArgumentParser
import DepotCore
import Foundation

/// `depot warranty`: warranty end and coverage of a unit.
struct WarrantyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warranty",
        abstract: "Compute a unit's warranty end (the first day out of warranty) and whether it is covered on a day.",
        discussion:
            "Warranty runs calendar months from the ship date, clamped to the month's end: shipped 2024-01-31 with 1 month ends 2024-02-29."
    )

    @Option(name: .customLong("ship-date"), help: "The day the unit left the vendor (YYYY-MM-DD).", transform: Parse.date)
    var shipDate: LocalDate
    @Option(parsing: .unconditional, help: "Warranty length in months.") var months: Int
    @Option(help: "The day to judge coverage on (default: today, in --region's home time zone, else UTC).", transform: Parse.date)
    var on: LocalDate?
    @Option(help: "The region whose home time zone decides what 'today' is.") var region: String?
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var output: FormatOptions

    func validate() throws {
        guard (0...600).contains(months) else { throw ValidationError("--months \(months) is outside 0 to 600") }
    }

    struct Answer: Encodable {
        let warrantyEnd: LocalDate
        let inWarranty: Bool
        let on: LocalDate
    }

    func run() throws {
        let day: LocalDate
        if let on {
            day = on
        } else if let region {
            day = try policy.load().region(region).localDate(of: Instant(Date()))
        } else {
            day = Instant(Date()).utcDate
        }
        let answer = Answer(
            warrantyEnd: Warranty.end(shipDate: shipDate, months: months),
            inWarranty: Warranty.isCovered(on: day, shipDate: shipDate, months: months), on: day)
        if output.resolved == .json {
            try Output.json(answer)
        } else {
            Output.rows(
                ["ship date", "months", "warranty end", "on", "in warranty"],
                [
                    [
                        shipDate.description, String(months), answer.warrantyEnd.description, day.description,
                        answer.inWarranty ? "yes" : "no",
                    ]
                ],
                format: output.resolved)
        }
    }
}
