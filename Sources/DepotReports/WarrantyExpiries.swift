import DepotCore
import DepotStore
import GRDB

/// One customer's units whose warranty ends in a window, from `warranty_tally`: a line of the account managers'
/// expiries table, which links to the units themselves (the warranty-expiry report for the customer).
public struct WarrantyExpiryGroup: Sendable, Equatable {
    public let customer: String
    public let name: String
    public let accountManager: String
    public let units: Int
    /// The first day a warranty of theirs ends in the window.
    public let firstEnd: LocalDate
    /// The customer's highest-tier contract active on the as-of day, with its end.
    public let contractTier: Tier?
    public let contractEnd: LocalDate?
}

/// A page of the expiries by customer, with the totals of the whole window.
public struct WarrantyExpiryPage: Sendable {
    public let groups: [WarrantyExpiryGroup]
    /// Customers with at least one unit in the window, and their units.
    public let customers: Int
    public let units: Int
}

extension DepotDatabase {
    /// The warranty-expiry report's units counted by the month their warranty ends (`2026-12`), months without
    /// expiries included: the account managers' chart. The same units as the report with the same filters, read
    /// from `warranty_tally` (a row per day, site and customer), never from the units.
    public func warrantyExpiriesByMonth(_ parameters: ReportParameters) throws(DepotError) -> [(month: String, count: Int)] {
        let until = parameters.asOf.adding(days: parameters.withinDays ?? 90)
        let policy = policy
        let counts: [String: Int] = try read { db in
            let (window, arguments) = Self.expiryWindow(ReportContext(db: db, parameters: parameters, policy: policy))
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT substr(t.warranty_end, 1, 7) AS month, sum(t.units) AS n \(window) GROUP BY 1"),
                arguments: StatementArguments(arguments))
            {
                counts[try row.decode("month", from: "warranty_tally")] = try row.decode("n", from: "warranty_tally")
            }
            return counts
        }
        var months: [(String, Int)] = []
        var day = parameters.asOf.adding(days: 1 - parameters.asOf.components.day)
        let last = until.adding(days: -1)
        while day <= last {
            let key = String(day.description.prefix(7))
            months.append((key, counts[key] ?? 0))
            day = day.adding(months: 1)
        }
        return months
    }

    /// The warranty-expiry report's units grouped by customer, soonest first expiry first (then by key): `limit`
    /// customers from `offset`, and the window's totals. From `warranty_tally`: the window's days times the sites.
    public func warrantyExpiriesByCustomer(_ parameters: ReportParameters, limit: Int, offset: Int) throws(DepotError)
        -> WarrantyExpiryPage
    {
        let policy = policy
        return try read { db in
            let (window, arguments) = Self.expiryWindow(ReportContext(db: db, parameters: parameters, policy: policy))
            let grouped = "SELECT t.customer_id, sum(t.units) AS units, min(t.warranty_end) AS first_end \(window) GROUP BY t.customer_id"
            let totals = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) AS customers, ifnull(sum(units), 0) AS units FROM (\(grouped))"),
                arguments: StatementArguments(arguments))
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        WITH \(ReportCatalog.activeContract), grouped AS (\(grouped))
                        SELECT c.key, c.name, c.account_manager, g.units, g.first_end, ac.tier, ac.end_date
                        FROM grouped g JOIN customer c ON c.id = g.customer_id
                        LEFT JOIN active ac ON ac.customer_id = g.customer_id AND ac.rank = 1
                        ORDER BY g.first_end, c.key LIMIT ? OFFSET ?
                        """), arguments: StatementArguments(arguments + [limit, offset]))
            let groups = try rows.map { row throws(DepotError) in
                let group = row.stored("warranty_tally")
                return WarrantyExpiryGroup(
                    customer: try group("key"), name: try group("name"), accountManager: try group("account_manager"),
                    units: try group("units"), firstEnd: try group("first_end"), contractTier: try group.optional("tier"),
                    contractEnd: try group.optional("end_date"))
            }
            return WarrantyExpiryPage(groups: groups, customers: totals?["customers"] ?? 0, units: totals?["units"] ?? 0)
        }
    }

    /// `FROM ... WHERE ...` over the tally rows of the window (each region's as-of day on, `withinDays` long) and
    /// the report's filters, with its arguments: `?1` the as-of day, `?2` the day after the window.
    static func expiryWindow(_ context: ReportContext) -> (sql: String, arguments: [any DatabaseValueConvertible]) {
        let parameters = context.parameters
        let window = parameters.withinDays ?? 90
        let filter = context.conditions(customer: "c.key", region: "s.region", accountManager: "c.account_manager")
        let from = context.asOfSQL("s.region", placeholder: "?1")
        let to = context.asOfSQL("s.region", placeholder: "?2", plusDays: window)
        // The earliest and latest day of any region's window, too: a range of the tally's key, where the days by region
        // are an expression SQLite cannot search by.
        let days = [parameters.asOf] + parameters.todayByRegion.values
        let (earliest, latest) = (days.min() ?? parameters.asOf, (days.max() ?? parameters.asOf).adding(days: window))
        let sql = """
            FROM warranty_tally t JOIN customer c ON c.id = t.customer_id JOIN site s ON s.id = t.site_id
            WHERE t.units <> 0 AND t.warranty_end >= \(from) AND t.warranty_end < \(to)\(filter.sql)
              AND t.warranty_end >= ? AND t.warranty_end < ?
            """
        return (
            sql,
            [parameters.asOf.description, parameters.asOf.adding(days: window).description] + filter.arguments
                + [earliest.description, latest.description]
        )
    }
}
