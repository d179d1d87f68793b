import ArgumentParser
import DepotCore
import Foundation

/// `depot calendar`: holiday calendars and the business clock.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Holiday calendars and business-time deadlines.",
        subcommands: [Holidays.self, Add.self, List.self]
    )

    /// `depot calendar list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in calendars and those the policy defines.")

        @OptionGroup var policy: PolicyOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let policy = try policy.load()
            var rows = BuiltInCalendar.allCases.map { [$0.rawValue, "built-in", $0.title] }
            rows += policy.calendars.map { [$0.name, "policy", "defined in \(policy.source)"] }
            if output.resolved == .json {
                try Output.json(rows.map { ["calendar": $0[0], "kind": $0[1], "title": $0[2]] })
            } else {
                Output.rows(["calendar", "kind", "title"], rows, format: output.resolved)
            }
        }
    }

    /// `depot calendar holidays CALENDAR --year YYYY`
    struct Holidays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a calendar's holidays in a year, one row per date (observed and substitute days as their own rows).",
            discussion:
                "CALENDAR is a built-in calendar (US, US-MA, US-CA, GB-ENG, AU-NSW, DE), one the policy defines, or a centre's id (its composed calendar)."
        )

        @Argument(help: "The calendar: built-in, defined in the policy, or a centre id.") var calendar: String
        @Option(parsing: .unconditional, help: "The year (1900 to 2200).") var year: Int
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            guard (1900...2200).contains(year) else { throw ValidationError("--year \(year) is outside 1900 to 2200") }
        }

        func run() throws {
            let policy = try policy.load()
            let holidays: HolidayCalendar
            if let centre = policy.centres.first(where: { $0.id == calendar }) {
                holidays = centre.holidays
            } else {
                holidays = try policy.calendar(named: calendar)
            }
            let list = holidays.holidays(in: year)
            if output.resolved == .json {
                try Output.json(list)
            } else {
                Output.rows(["date", "name"], list.map { [$0.date.description, $0.name] }, format: output.resolved)
            }
        }
    }

    /// `depot calendar add --region R --from INSTANT (--business-hours X | ...)`
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add business or wall-clock time to an instant in a region; print the deadline in UTC.",
            discussion: """
                With --from - the instants are read from standard input, one per line, and one deadline is printed
                per line, so that thousands can be computed in one call.
                """
        )

        @Option(help: "The region whose business clock counts (americas, emea, apac by default).") var region: String
        @Option(help: "The start: an ISO 8601 instant with a UTC offset, or - to read one per line from standard input.")
        var from: String
        @Option(name: .customLong("business-hours"), parsing: .unconditional, help: "Business hours to add.") var businessHours: String?
        @Option(
            name: .customLong("business-days"), parsing: .unconditional,
            help: "Business days to add (each the region's standard business day).")
        var businessDays: String?
        @Option(parsing: .unconditional, help: "Wall-clock hours to add.") var hours: String?
        @Option(parsing: .unconditional, help: "Wall-clock days (24 hours) to add.") var days: String?
        @Flag(help: "Also print the open intervals the clock consumed.") var explain = false
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            let given = [businessHours, businessDays, hours, days].compactMap { $0 }
            guard given.count == 1 else {
                throw ValidationError("give exactly one of --business-hours, --business-days, --hours, --days")
            }
            _ = try Parse.amount(given[0])
            if from != "-" { _ = try Parse.instant(from) }
            if from == "-", explain { throw ValidationError("--explain works on one instant, not with --from -") }
        }

        var duration: ClockDuration {
            get throws {
                if let v = businessHours { return ClockDuration(milli: try Parse.amount(v), .businessHours) }
                if let v = businessDays { return ClockDuration(milli: try Parse.amount(v), .businessDays) }
                if let v = hours { return ClockDuration(milli: try Parse.amount(v), .hours) }
                return ClockDuration(milli: try Parse.amount(days ?? "0"), .days)
            }
        }

        func run() throws {
            let policy = try policy.load()
            let clock = try policy.clock(for: region)
            let duration = try duration
            if from == "-" {
                let input = FileHandle.standardInput.readDataToEndOfFile()
                Output.write(try BulkDeadlines.compute(input, duration: duration, clock: clock))
                return
            }
            let start = try Parse.instant(from)
            let explanation = try clock.explain(duration, from: start)
            switch output.resolved {
            case .json:
                if explain {
                    try Output.json(explanation)
                } else {
                    try Output.json(["deadline": explanation.deadline.description])
                }
            case .csv, .table:
                Output.write(explanation.deadline.description + "\n")
                if explain {
                    let rows = explanation.intervals.map {
                        [$0.start.description, $0.end.description, hoursAndMinutes($0.seconds), $0.centres.joined(separator: "+")]
                    }
                    Output.write("\n")
                    Output.rows(["open from", "until", "counted", "centres"], rows, format: output.resolved)
                    Output.write(
                        "\ncounted \(hoursAndMinutes(explanation.countedSeconds)) (\(duration)) on the \(region) clock, "
                            + "whose standard business day is \(hoursAndMinutes(clock.businessDaySeconds))\n")
                }
            }
        }
    }
}

/// The `--from -` path: many deadlines from one process, parsed and printed over bytes.
enum BulkDeadlines {
    /// One deadline per non-empty input line; a bad line fails the whole run with its line number,
    /// and nothing is printed.
    static func compute(_ input: Data, duration: ClockDuration, clock: BusinessClock) throws(DepotError) -> String {
        let bytes = [UInt8](input)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8)
        let seconds = clock.seconds(of: duration)
        var lineNumber = 0
        var start = 0
        try bytes.withUnsafeBufferPointer { (buffer) throws(DepotError) in
            while start < buffer.count {
                var end = start
                while end < buffer.count, buffer[end] != 10 { end += 1 }
                lineNumber += 1
                var a = start
                var b = end
                while a < b, buffer[a] == 32 || buffer[a] == 9 { a += 1 }
                while b > a, buffer[b - 1] == 32 || buffer[b - 1] == 9 || buffer[b - 1] == 13 { b -= 1 }
                if b > a {
                    guard let instant = Instant.parse(UnsafeBufferPointer(rebasing: buffer[a..<b])) else {
                        throw .invalidFile(
                            file: "stdin", line: lineNumber,
                            message:
                                "\"\(String(decoding: buffer[a..<b].prefix(60), as: UTF8.self))\" is not an ISO 8601 instant with a UTC offset"
                        )
                    }
                    let deadline: Int64
                    if duration.unit.isBusiness {
                        deadline = try clock.add(businessSeconds: seconds, to: instant.secondsSinceEpoch)
                    } else {
                        deadline = try clock.adding(duration, to: instant).secondsSinceEpoch
                    }
                    out.append(contentsOf: Instant(secondsSinceEpoch: deadline).description.utf8)
                    out.append(10)
                }
                start = end + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
