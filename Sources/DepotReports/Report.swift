import DepotCore
import DepotStore
import Foundation
import GRDB
import GRDBSQLite

/// A filter a report may take.
public enum ReportFilter: String, CaseIterable, Sendable {
    case customer, region
    case accountManager = "account-manager"
    case withinDays = "within-days"
    case since
    /// The case's owner, the support engineer (the satisfaction reports).
    case engineer
}

/// What a report run is asked for.
public struct ReportParameters: Sendable {
    /// The day the report is as of; instants are judged at the end of that day in each region's home zone.
    public var asOf: LocalDate
    /// The window of expiry reports, in days from `asOf`.
    public var withinDays: Int?
    public var customer: String?
    public var region: String?
    public var accountManager: String?
    /// Only cases opened (or escalations due, or surveys sent) on or after this day.
    public var since: LocalDate?
    /// Only cases this support engineer owns (the satisfaction reports).
    public var engineer: String?
    /// When the report is as of "today" over several regions: each region's own day (SPEC.md 2), which rows of that
    /// region are judged by; `asOf` is then the UTC day, for the rest. Empty when an as-of day was given.
    public var todayByRegion: [String: LocalDate] = [:]
    /// How the filters are spelled where they came from (`--` on the command line, empty in a query string), for
    /// naming an unknown one.
    public var filterPrefix = "--"

    /// A report as of today at `now`: the day in `region`'s home time zone when the report is for one region, else
    /// each row's region's own day.
    public static func today(at now: Instant, policy: Policy, region: String? = nil, withinDays: Int? = nil) -> ReportParameters {
        var parameters = ReportParameters(asOf: policy.day(of: now, region: region), withinDays: withinDays, region: region)
        if region == nil {
            parameters.todayByRegion = Dictionary(policy.regions.map { ($0.id, $0.localDate(of: now)) }) { a, _ in a }
        }
        return parameters
    }

    public init(
        asOf: LocalDate, withinDays: Int? = nil, customer: String? = nil, region: String? = nil, accountManager: String? = nil,
        since: LocalDate? = nil
    ) {
        self.asOf = asOf
        self.withinDays = withinDays
        self.customer = customer
        self.region = region
        self.accountManager = accountManager
        self.since = since
    }
}

/// One report: its name (a contract), audience, columns, filters, and how its rows are made.
public struct Report: Sendable {
    public let name: String
    /// The report's name in words, for pages and listings.
    public let title: String
    public let audience: String
    public let summary: String
    public let columns: [String]
    public let filters: [ReportFilter]
    /// The default of `--within-days`, for reports that take it.
    public let defaultWithinDays: Int?
    let rows: @Sendable (ReportContext, CSVWriter) throws -> Void
}

/// What a report's row maker gets: the database, the parameters and the policy.
struct ReportContext {
    let db: any SQLConnection
    let parameters: ReportParameters
    let policy: Policy
    /// The end of the as-of day in each region's home zone, worked out once per report.
    private let endsOfDay: [String: Instant]

    init(db: any SQLConnection, parameters: ReportParameters, policy: Policy) {
        self.db = db
        self.parameters = parameters
        self.policy = policy
        endsOfDay = Dictionary(
            policy.regions.map { ($0.id, $0.startOfDay((parameters.todayByRegion[$0.id] ?? parameters.asOf).adding(days: 1))) }
        ) { a, _ in a }
    }

    /// The as-of day of a region's rows.
    func asOf(region: String) -> LocalDate { parameters.todayByRegion[region] ?? parameters.asOf }

    /// SQL for the as-of day (plus `days`) of each row, by the row's region in `regionColumn`: `placeholder` (the
    /// report's bound as-of argument) when every region has the same day, else a CASE over the regions whose day
    /// differs from it.
    func asOfSQL(_ regionColumn: String, placeholder: String, plusDays days: Int = 0) -> String {
        let differing = parameters.todayByRegion.filter { $0.value != parameters.asOf }.sorted { $0.key < $1.key }
        guard !differing.isEmpty else { return placeholder }
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let cases = differing.map { "WHEN \(quoted($0.key)) THEN \(quoted($0.value.adding(days: days).description))" }.joined(
            separator: " ")
        return "(CASE \(regionColumn) \(cases) ELSE \(placeholder) END)"
    }

    /// The end of the as-of day in a region's home zone: "overdue" and "breached" are judged at this instant.
    func endOfDay(region: String) -> Instant {
        endsOfDay[region] ?? Instant(utcDate: parameters.asOf.adding(days: 1))
    }

    /// The day of an instant in a region's home zone.
    func day(of instant: Instant, region: String) -> LocalDate {
        (try? policy.region(region))?.localDate(of: instant) ?? instant.utcDate
    }

    /// `AND column = ?` clauses for the filters the report supports, with their arguments. Keys, regions and names
    /// match whatever their letter case (`c121`, `EMEA`), as users type them.
    func conditions(customer: String? = nil, region: String? = nil, accountManager: String? = nil, engineer: String? = nil) -> (
        sql: String, arguments: [any SQLBindable]
    ) {
        var sql = ""
        var arguments: [any SQLBindable] = []
        if let column = customer, let value = parameters.customer {
            sql += " AND \(column) = \(CustomerKeySQL.typed)"
            arguments += [value, value]
        }
        if let column = region, let value = parameters.region {
            sql += " AND lower(\(column)) = lower(?)"
            arguments.append(value)
        }
        if let column = accountManager, let value = parameters.accountManager {
            sql += " AND lower(\(column)) = lower(?)"
            arguments.append(value)
        }
        if let column = engineer, let value = parameters.engineer {
            sql += " AND lower(\(column)) = lower(?)"
            arguments.append(value)
        }
        return (sql, arguments)
    }

    /// The waits on the customer by case number (every case that ever waited), as known at the end of the as-of
    /// day in the case's region: waits begun later are left out, and one that ended later is still running then.
    func pauses() throws -> [String: [CasePause]] {
        var pauses: [String: [CasePause]] = [:]
        let sql = """
            SELECT k.number, k.region, p.started_at, p.ended_at FROM case_pause p JOIN support_case k ON k.id = p.case_id
            ORDER BY p.started_at, p.id
            """
        try each(sql, []) { row in
            let end = endOfDay(region: row.text(1) ?? "")
            guard let number = row.text(0) else { return }
            // A case that waited only after the as-of day is listed with no waits: its deadline is recomputed without them.
            if pauses[number] == nil { pauses[number] = [] }
            guard let start = row.text(2).flatMap({ Instant(iso: $0) }), start < end else { return }
            let stop = row.text(3).flatMap { Instant(iso: $0) }.flatMap { $0 < end ? $0 : nil }
            pauses[number, default: []].append(CasePause(start: start, end: stop))
        }
        return pauses
    }

    /// Steps through a query's rows: on SQLite with its own cursor (no row objects, no strings unless asked for),
    /// on another backend through its rows.
    func each(_ sql: String, _ arguments: [any SQLBindable], _ body: (ResultRow) throws -> Void) throws {
        guard let sqlite = db as? GRDBConnection else {
            return try db.stream(sql, arguments) { row in
                try body(ResultRow(storage: .row(row)))
                return true
            }
        }
        let db = sqlite.grdb
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(GRDBConnection.arguments(arguments))
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            try body(ResultRow(storage: .sqlite(handle)))
        }
    }
}

/// The current row of a query: SQLite's statement handle, or another backend's row.
struct ResultRow {
    enum Storage {
        case sqlite(OpaquePointer)
        case row(any SQLRow)
    }

    let storage: Storage

    /// Whether column `index` is NULL.
    func isNull(_ index: Int32) -> Bool {
        switch storage {
        case .sqlite(let handle): sqlite3_column_type(handle, index) == SQLITE_NULL
        case .row(let row): row.cell(at: Int(index)) == .null
        }
    }

    /// Calls `body` with column `index`'s text as bytes (empty for NULL).
    func withBytes<R, E: Error>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .sqlite(let handle):
            guard let text = sqlite3_column_text(handle, index) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try body(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))))
        case .row:
            return try Array((text(index) ?? "").utf8).withUnsafeBufferPointer(body)
        }
    }

    /// Column `index` as text, `nil` for NULL.
    func text(_ index: Int32) -> String? {
        switch storage {
        case .sqlite(let handle):
            guard sqlite3_column_type(handle, index) != SQLITE_NULL, let text = sqlite3_column_text(handle, index) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))), as: UTF8.self)
        case .row(let row):
            switch row.cell(at: Int(index)) {
            case .null: return nil
            case .integer(let value): return String(value)
            case .real(let value): return String(value)
            case .text(let value): return value
            case .blob(let value): return String(decoding: value, as: UTF8.self)
            }
        }
    }

    /// Column `index` as an integer (0 for NULL).
    func int(_ index: Int32) -> Int64 {
        switch storage {
        case .sqlite(let handle): return sqlite3_column_int64(handle, index)
        case .row(let row):
            if case .integer(let value) = row.cell(at: Int(index)) { return value }
            return 0
        }
    }

    /// Writes columns `range` as cells, as they are.
    func copy(_ range: Range<Int32>, to writer: CSVWriter) throws(DepotError) {
        guard case .row(let row) = storage else {
            for index in range { try withBytes(index) { bytes throws(DepotError) in try writer.cell(bytes) } }
            return
        }
        // One call for the row's cells: per cell, the row's existential and a Result cost as much as the copy.
        var failure: DepotError?
        var index = range.lowerBound
        row.forEachTextBytes(in: Int(range.lowerBound)..<Int(range.upperBound)) { bytes in
            guard failure == nil else { return }
            do throws(DepotError) {
                if let bytes {
                    try writer.cell(bytes.bindMemory(to: UInt8.self))
                } else {
                    try Array((text(index) ?? "").utf8).withUnsafeBufferPointer { cell throws(DepotError) in try writer.cell(cell) }
                }
            } catch {
                failure = error
            }
            index += 1
        }
        if let failure { throw failure }
    }
}

extension DepotDatabase {
    /// Writes `report` as CSV: the header row, then its rows as they come from the database.
    public func write(_ report: Report, parameters: ReportParameters, to writer: CSVWriter) throws(DepotError) {
        try checkFilters(parameters)
        let policy = policy
        try read { db in
            try writer.row(report.columns)
            try report.rows(ReportContext(db: db, parameters: parameters, policy: policy), writer)
        }
        try writer.flush()
    }
}

extension DepotDatabase {
    /// Refuses a filter that names nothing: an unknown region, or a customer key that is none (a typo is named, not
    /// answered with an empty report). A streamed response calls it before its 200 goes out.
    public func checkFilters(_ parameters: ReportParameters) throws(DepotError) {
        if let region = parameters.region { _ = try policy.region(region) }
        if let engineer = parameters.engineer {
            // A user, or a name that owns cases still (a user removed since).
            let known = try read { db in
                try db.value(
                    Int.self,
                    "SELECT 1 WHERE EXISTS (SELECT 1 FROM app_user WHERE lower(name) = lower(?1)) OR EXISTS (SELECT 1 FROM support_case WHERE lower(owner) = lower(?1))",
                    [engineer])
            }
            if known == nil {
                throw .invalidArgument(name: parameters.filterPrefix + "engineer", value: engineer, reason: "no such user")
            }
        }
        guard let customer = parameters.customer else { return }
        // The key as the reports' filter reads it: exactly, else the one key it can only mean in other letter case.
        let known = try read { db in try db.value(String.self, "SELECT \(CustomerKeySQL.typed)", [customer, customer]) }
        if known == nil {
            throw .invalidArgument(name: parameters.filterPrefix + "customer", value: customer, reason: "no such customer")
        }
    }

    /// `limit` rows of `report` from row `offset` as text (unencoded, not neutralised: for a page that escapes them).
    public func table(_ report: Report, parameters: ReportParameters, limit: Int, offset: Int = 0) throws(DepotError) -> ReportTable {
        let table = ReportTable(limit: limit, offset: offset)
        try write(report, parameters: parameters, to: CSVWriter(table: table))
        return table
    }
}

extension Report {
    /// The parameters of a run of this report; a filter it does not take is refused, named as its users type
    /// it (`prefix` is `--` on the command line, empty for a query string). `withinDays` defaults to the report's own.
    public func parameters(
        asOf: LocalDate, withinDays: Int?, customer: String?, region: String?, accountManager: String?, since: LocalDate?,
        engineer: String? = nil, spelledWith prefix: String
    ) throws(DepotError) -> ReportParameters {
        let given: [(ReportFilter, String?)] = [
            (.customer, customer), (.region, region), (.accountManager, accountManager),
            (.withinDays, withinDays.map(String.init)), (.since, since?.description), (.engineer, engineer),
        ]
        for (filter, value) in given where value != nil && !filters.contains(filter) {
            throw .invalidArgument(
                name: prefix + filter.rawValue, value: value ?? "",
                reason: "the \(name) report does not take it (it takes: \(filters.map { prefix + $0.rawValue }.joined(separator: " ")))")
        }
        // Spaces around a typed key or name are not part of it.
        func trimmed(_ value: String?) -> String? { value.map { $0.trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 } }
        var parameters = ReportParameters(
            asOf: asOf, withinDays: withinDays ?? defaultWithinDays, customer: trimmed(customer), region: trimmed(region),
            accountManager: trimmed(accountManager), since: since)
        parameters.engineer = trimmed(engineer)
        parameters.filterPrefix = prefix
        return parameters
    }
}

extension Report {
    /// Seconds as decimal hours with two places (`1.50`), exact in integers.
    static func hours(seconds: Int64) -> String {
        let hundredths = (max(0, seconds) * 100 + 1800) / 3600
        let cents = hundredths % 100
        return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
