import ArgumentParser
import DepotCore

/// `depot rma`: return-merchandise authorisations.
struct RMACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rma",
        abstract: "Return-merchandise authorisations.",
        subcommands: [Decide.self]
    )

    /// `depot rma decide`
    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide what happens to a defective unit: advance replacement, return then replace, or sales referral.",
            discussion: "The decision uses the contract tier and the warranty on the verdict's day in the home time zone of the unit's region."
        )

        @Option(help: "The customer's active contract tier: standard, premium, premium-plus, or none.") var tier: TierArgument
        @Option(name: .customLong("ship-date"), help: "The unit's ship date (YYYY-MM-DD).", transform: Parse.date) var shipDate: LocalDate
        @Option(help: "The unit's warranty length in months.") var months: Int
        @Option(name: .customLong("verdict-at"), help: "When the unit was found defective (ISO 8601 with a UTC offset).",
                transform: Parse.instant)
        var verdictAt: Instant
        @Option(help: "The region of the unit's site.") var region: String
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            guard (0...600).contains(months) else { throw ValidationError("--months \(months) is outside 0 to 600") }
        }

        struct Answer: Encodable {
            let path: String
            let shipBy: Instant?
            let reason: String
            let warrantyEnd: LocalDate
            let inWarranty: Bool
            let verdictDay: LocalDate

            enum CodingKeys: String, CodingKey { case path, shipBy, reason, warrantyEnd, inWarranty, verdictDay }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(path, forKey: .path)
                try c.encode(shipBy, forKey: .shipBy)
                try c.encode(reason, forKey: .reason)
                try c.encode(warrantyEnd, forKey: .warrantyEnd)
                try c.encode(inWarranty, forKey: .inWarranty)
                try c.encode(verdictDay, forKey: .verdictDay)
            }
        }

        func run() throws {
            let policy = try policy.load()
            let region = try policy.region(region)
            let decision = try RMAEngine.decide(
                tier: tier.tier, shipDate: shipDate, warrantyMonths: months, verdictAt: verdictAt,
                region: region, clock: BusinessClock(region: region), deadlines: policy.rma)
            let answer = Answer(path: decision.path.rawValue, shipBy: decision.shipBy, reason: decision.reason,
                                warrantyEnd: decision.warrantyEnd, inWarranty: decision.inWarranty, verdictDay: decision.verdictDay)
            if output.resolved == .json {
                try Output.json(answer)
            } else {
                Output.rows(["path", "ship by", "reason"], [[answer.path, answer.shipBy?.description ?? "", answer.reason]],
                            format: output.resolved)
            }
        }
    }
}
