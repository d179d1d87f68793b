import ArgumentParser
import DepotCore
import DepotReports
import DepotStore
import Foundation

/// `depot report`: CSV reports.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a CSV report (depot report NAME), list the reports, or write them all.",
        discussion: """
            CSV: RFC 4180, UTF-8, one header row, ISO dates, instants in UTC; a cell starting with =, +, -, @, a tab \
            or a carriage return gets a leading apostrophe so a spreadsheet shows it instead of running it.
            """,
        subcommands: [Run.self, List.self, All.self],
        defaultSubcommand: Run.self
    )

    /// `depot report NAME`
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Write one report (the default: depot report NAME ...).")

        @Argument(help: "The report: \(ReportCatalog.all.map(\.name).joined(separator: ", ")).") var name: String
        @OptionGroup var filters: ReportFilterOptions
        @Option(help: "Write to this file instead of standard output (replaced only when the report is complete).") var output: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            let report = try ReportCatalog.named(name)
            let database = try store.open()
            let parameters = try filters.parameters(for: report, policy: database.policy)
            guard let output else {
                return try database.write(report, parameters: parameters, to: CSVWriter(descriptor: STDOUT_FILENO, path: "standard output"))
            }
            try ReportFile.write(output) { writer in try database.write(report, parameters: parameters, to: writer) }
        }
    }

    /// `depot report list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name every report with its audience, columns and filters.")
        @OptionGroup var output: FormatOptions

        struct Entry: Encodable {
            let name: String, audience: String, summary: String, columns: [String], filters: [String]
        }

        func run() throws {
            let entries = ReportCatalog.all.map {
                Entry(name: $0.name, audience: $0.audience, summary: $0.summary, columns: $0.columns, filters: $0.filters.map(\.rawValue))
            }
            if output.resolved == .json { return try Output.json(entries) }
            if output.resolved == .csv {
                return Output.rows(
                    ["name", "audience", "columns", "filters", "summary"],
                    entries.map {
                        [$0.name, $0.audience, $0.columns.joined(separator: " "), $0.filters.joined(separator: " "), $0.summary]
                    },
                    format: .csv)
            }
            Output.write(
                entries.map { e in
                    "\(e.name)  (\(e.audience))\n  \(e.summary)\n  columns: \(e.columns.joined(separator: ","))\n  filters: \(e.filters.map { "--" + $0 }.joined(separator: " ")) --as-of\n"
                }.joined(separator: "\n"))
        }
    }

    /// `depot report all`
    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every report as DIR/AS-OF/NAME.csv.",
            discussion: "Schedule it from cron, e.g. `5 6 * * * cd /srv/depot && depot report all` for every morning's set."
        )
        @Option(name: .customLong("out-dir"), help: "The folder (default: Reports).") var outDir = "Reports"
        @OptionGroup var filters: ReportFilterOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            let folder = outDir + "/" + filters.asOfDay(policy: database.policy).description
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw DepotError.unreadableFile(path: folder, reason: "cannot create the folder")
            }
            var written: [String] = []
            for report in ReportCatalog.all {
                let path = folder + "/\(report.name).csv"
                try ReportFile.write(path) { writer in
                    try database.write(report, parameters: filters.parameters(for: report, policy: database.policy), to: writer)
                }
                written.append(path)
            }
            if output.resolved == .json { return try Output.json(written) }
            Output.write(written.map { $0 + "\n" }.joined())
        }
    }
}

/// The filters and `--as-of` of the reports.
struct ReportFilterOptions: ParsableArguments {
    @Option(
        name: .customLong("as-of"), help: "The day the report is as of (default: today, in the home time zone of each row's region).",
        transform: Parse.date) var asOf: LocalDate?
    @Option(
        name: .customLong("within-days"), parsing: .unconditional,
        help: "The window of warranty-expiry (default 90) and contract-renewals (90).") var withinDays: Int?
    @Option(help: "Only this customer (its key).") var customer: String?
    @Option(help: "Only this region.") var region: String?
    @Option(name: .customLong("account-manager"), help: "Only this account manager's customers.") var accountManager: String?
    @Option(help: "Only cases opened (escalations due, surveys sent) on or after this day.", transform: Parse.date) var since: LocalDate?
    @Option(help: "Only cases this support engineer owns (csat, csat-responses).") var engineer: String?

    /// `--as-of`, else today where the report's region is (SPEC.md 2).
    func asOfDay(policy: Policy) -> LocalDate { asOf ?? policy.day(of: Instant(Date()), region: region.map(policy.regionID(typed:))) }

    func validate() throws {
        if let withinDays, !(1...3650).contains(withinDays) { throw ValidationError("--within-days must be from 1 to 3650") }
    }

    /// The parameters for `report`, refusing filters it does not take.
    func parameters(for report: Report, policy: Policy) throws(DepotError) -> ReportParameters {
        var parameters = try report.parameters(
            asOf: asOfDay(policy: policy), withinDays: withinDays, customer: customer, region: region.map(policy.regionID(typed:)),
            accountManager: accountManager, since: since, engineer: engineer, spelledWith: "--")
        if asOf == nil && region == nil {
            parameters.todayByRegion = ReportParameters.today(at: Instant(Date()), policy: policy).todayByRegion
        }
        return parameters
    }
}

/// Writes a report file whole or not at all (`AtomicFile`).
enum ReportFile {
    static func write(_ path: String, _ body: (CSVWriter) throws -> Void) throws {
        try AtomicFile.write(path) { temporary in
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw DepotError.unreadableFile(path: path, reason: "cannot write: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try body(CSVWriter(descriptor: fd, path: path))
        }
    }
}
