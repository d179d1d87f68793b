import ArgumentParser
import DepotCore

/// `depot sla`: the response and escalation deadlines of a case.
struct SLACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla",
        abstract: "Compute the response and escalation deadlines of a case opened at an instant.",
        discussion: """
            The clocks start at --opened. For a premium or premium-plus case opened while its region is closed (SPEC.md 8), \
            --with-pin counts every threshold in wall-clock time from --opened (the customer gave its PIN), and \
            --without-pin starts the clocks at the region's next opening; the answer says which clock applied.
            """
    )

    @Option(help: "The contract tier: standard, premium or premium-plus.") var tier: Tier
    @Option(help: "The case priority: P1, P2, P3 or P4.") var priority: Priority
    @Option(help: "The region whose business clock counts.") var region: String
    @Option(help: "When the case was opened (ISO 8601 with a UTC offset).", transform: Parse.instant) var opened: Instant
    @Flag(name: .customLong("with-pin"), help: "Opened while the region is closed, with the customer's valid PIN.") var withPIN = false
    @Flag(name: .customLong("without-pin"), help: "Opened while the region is closed, without a valid PIN.") var withoutPIN = false
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
        /// When the clocks start, and which clock applied outside the region's hours (`nil`: the usual one).
        let clocksFrom: Instant
        @NullEncodable var clock: String?

        enum CodingKeys: String, CodingKey { case response, responseThreshold, escalations, clocksFrom, clock }
    }

    func validate() throws {
        guard !(withPIN && withoutPIN) else { throw ValidationError("--with-pin and --without-pin exclude each other") }
    }

    func run() throws {
        let policy = try policy.load()
        let clock = try policy.clock(for: region)
        // SPEC.md 8, only when asked: the plain answer keeps counting from --opened.
        let afterHours =
            withPIN || withoutPIN
            ? AfterHoursRule.opening(
                regionOpen: clock.isOpen(at: opened), tier: tier, afterHoursTiers: policy.afterHours.tiers, pin: withPIN ? .valid : .none)
            : nil
        let clocksFrom = try AfterHoursRule.clocksFrom(afterHours, opened: opened, clock: clock)
        let d = try policy.slas.deadlines(tier: tier, priority: priority, opened: clocksFrom, clock: clock, wallClock: afterHours == .pin)
        let answer = Answer(
            response: d.response, responseThreshold: d.responseThreshold?.description,
            escalations: d.escalations.map { .init(target: $0.target.rawValue, at: $0.at, threshold: $0.threshold.description) },
            clocksFrom: clocksFrom, clock: afterHours?.explanation)
        if output.resolved == .json {
            try Output.json(answer)
            return
        }
        var rows: [[String]] = []
        if let r = d.response, let t = d.responseThreshold { rows.append(["response", "engineer", r.description, t.description]) }
        rows += d.escalations.map { ["escalation", $0.target.rawValue, $0.at.description, $0.threshold.description] }
        Output.rows(["deadline", "target", "at", "threshold"], rows, format: output.resolved)
        if let note = afterHours?.explanation { Output.writeError("note: \(note); clocks from \(clocksFrom)\n") }
    }
}
