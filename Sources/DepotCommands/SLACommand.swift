import ArgumentParser
import DepotCore

/// `depot sla`: the response and escalation deadlines of a case.
struct SLACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla",
        abstract: "Compute the response and escalation deadlines of a case opened at an instant."
    )

    @Option(help: "The contract tier: standard, premium or premium-plus.") var tier: Tier
    @Option(help: "The case priority: P1, P2, P3 or P4.") var priority: Priority
    @Option(help: "The region whose business clock counts.") var region: String
    @Option(help: "When the case was opened (ISO 8601 with a UTC offset).", transform: Parse.instant) var opened: Instant
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var output: FormatOptions

    struct Answer: Encodable {
        struct Escalation: Encodable {
            let target: String
            let at: Instant
            let threshold: String
        }
        @NullEncodable var response: Instant?
        @NullEncodable var responseThreshold: String?
        let escalations: [Escalation]

        enum CodingKeys: String, CodingKey { case response, responseThreshold, escalations }
    }

    func run() throws {
        let policy = try policy.load()
        let clock = try policy.clock(for: region)
        let d = try policy.slas.deadlines(tier: tier, priority: priority, opened: opened, clock: clock)
        let answer = Answer(
            response: d.response, responseThreshold: d.responseThreshold?.description,
            escalations: d.escalations.map { .init(target: $0.target.rawValue, at: $0.at, threshold: $0.threshold.description) })
        if output.resolved == .json {
            try Output.json(answer)
            return
        }
        var rows: [[String]] = []
        if let r = d.response, let t = d.responseThreshold { rows.append(["response", "engineer", r.description, t.description]) }
        rows += d.escalations.map { ["escalation", $0.target.rawValue, $0.at.description, $0.threshold.description] }
        Output.rows(["deadline", "target", "at", "threshold"], rows, format: output.resolved)
    }
}
