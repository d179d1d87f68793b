import DepotCore
import DepotStore

/// The calendar months the account managers' expiry view covers: the month of a day and the next ones.
public struct ExpiryMonths: Sendable, Equatable {
    /// The months as `2026-12`, in order.
    public let months: [String]
    /// The first day of the first month, and the first day after the last one: the warranty-expiry report with
    /// `--as-of first --within-days days` lists exactly the units counted.
    public let first: LocalDate
    public let days: Int

    /// `count` months from the month of `day`.
    public init(from day: LocalDate, count: Int) {
        let start = day.adding(days: 1 - day.components.day)
        first = start
        days = start.adding(months: count).dayNumber - start.dayNumber
        months = (0..<count).map { String(start.adding(months: $0).description.prefix(7)) }
    }
}

/// One customer's units in service whose warranty ends in the months of an `ExpiryMonths`, from `warranty_tally`:
/// a line of the account managers' expiries table.
public struct WarrantyExpiryGroup: Sendable, Equatable {
    public let customer: String
    public let name: String
    public let accountManager: String
    /// Units per month, in the months' order.
    public let perMonth: [Int]
    public var units: Int { perMonth.reduce(0, +) }
    /// The customer's highest-tier contract active on the day asked for, with its end.
    public let contractTier: Tier?
    public let contractEnd: LocalDate?
}

/// A page of the expiries by customer, with the totals of all the months.
public struct WarrantyExpiryPage: Sendable {
    public let groups: [WarrantyExpiryGroup]
    /// Customers with at least one unit in the months, and their units.
    public let customers: Int
    public let units: Int
}

extension DepotDatabase {
    /// Units in service whose warranty ends in each of `months` (the account managers' chart): the units the
    /// warranty-expiry report lists as of the months' first day for their days, counted from `warranty_tally`.
    public func warrantyExpiriesByMonth(_ months: ExpiryMonths) throws(DepotError) -> [(month: String, count: Int)] {
        let counts: [String: Int] = try read { db in
            let rows = try db.rows(
                "SELECT month, sum(units) AS n FROM warranty_tally WHERE month >= ? AND month <= ? GROUP BY month",
                [months.months.first, months.months.last], source: "query")
            var counts: [String: Int] = [:]
            for row in rows { counts[try row.decode("month", from: "warranty_tally")] = try row.decode("n", from: "warranty_tally") }
            return counts
        }
        return months.months.map { ($0, counts[$0] ?? 0) }
    }

    /// The customers with units whose warranty ends in `months`, those with the earliest such month first (then
    /// more units first, then by key): `limit` from `offset`, with each one's contract active on `today`, and the
    /// totals. From `warranty_tally`: the months times the customers, whatever the fleet's size.
    public func warrantyExpiriesByCustomer(_ months: ExpiryMonths, today: LocalDate, limit: Int, offset: Int) throws(DepotError)
        -> WarrantyExpiryPage
    {
        try read { db in
            let perMonth = months.months.indices.map { "sum(CASE month WHEN ?\($0 + 2) THEN units ELSE 0 END) AS m\($0)" }
            let last = months.months.count + 1
            let grouped = """
                SELECT customer_id, sum(units) AS units, min(month) AS first_month, \(perMonth.joined(separator: ", "))
                FROM warranty_tally WHERE month >= ?2 AND month <= ?\(last) AND units <> 0 GROUP BY customer_id
                """
            let arguments: [any SQLBindable] = [today.description] + months.months
            let totals = try db.rows(
                "SELECT count(*) AS customers, CAST(coalesce(sum(units), 0) AS BIGINT) AS units FROM (\(grouped)) g", arguments,
                source: "query"
            ).first
            let rows = try db.rows(
                """
                WITH \(ReportCatalog.activeContract), grouped AS (\(grouped))
                SELECT c.key, c.name, c.account_manager, \(months.months.indices.map { "g.m\($0)" }.joined(separator: ", ")),
                       ac.tier, ac.end_date
                FROM grouped g JOIN customer c ON c.id = g.customer_id
                LEFT JOIN active ac ON ac.customer_id = g.customer_id AND ac.rank = 1
                ORDER BY g.first_month, g.units DESC, c.key LIMIT ? OFFSET ?
                """, arguments + [limit, offset], source: "query")
            let groups = try rows.map { row throws(DepotError) in
                let group = row.stored("warranty_tally")
                return WarrantyExpiryGroup(
                    customer: try group("key"), name: try group("name"), accountManager: try group("account_manager"),
                    perMonth: try months.months.indices.map { index throws(DepotError) in try group("m\(index)") },
                    contractTier: try group.optional("tier"), contractEnd: try group.optional("end_date"))
            }
            return WarrantyExpiryPage(
                groups: groups, customers: try totals?.optional("customers") ?? 0, units: try totals?.optional("units") ?? 0)
        }
    }
}
