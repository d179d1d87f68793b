import DepotCore
import DepotStore
import Foundation

extension ReportCatalog {
    /// Failure rates on SQLite read every unit once, in table order, and group them in memory by model and ship month
    /// (a few hundred cohorts): SQL's GROUP BY sorted all the units, and looked up each one's diagnoses and RMAs (5.7 s
    /// at 3,000,000 units). Diagnoses and RMAs are read first, once.
    static let failureRates = Report(
        name: "failure-rates", title: "Failure rates", audience: "support leadership",
        summary:
            "Per model and ship-month cohort: units shipped to customers, units diagnosed defective by the as-of day, and defects per 1,000 unit-months in service.",
        columns: ["model", "ship_month", "units", "defective", "unit_months", "defects_per_1000_unit_months"],
        filters: [.customer, .region], defaultWithinDays: nil
    ) { context, writer in
        var cohorts: FailureCohorts
        if context.db is GRDBConnection {
            cohorts = try FailureCohorts(context)
            try context.each("SELECT id, model_id, ship_date, customer_id, site_id FROM appliance", []) { cohorts.add(unit: $0) }
        } else {
            // A network database sends every row it is asked for (3,000,000 units streamed took 9 s): grouped there by
            // model, ship day and region (a few thousand groups at any fleet size), each unit no longer at a customer
            // counted at its last RMA's customer and site, the filters applied there; the as-of day per region here.
            cohorts = try FailureCohorts(models: context)
            let end = Instant(utcDate: context.parameters.asOf.adding(days: 1)).description
            let filters = context.conditions(customer: "c.key", region: "s.region")
            // Two aggregates, each over a plain scan the planner has statistics for (a UNION of the units before
            // grouping was estimated at one group per unit, so PostgreSQL grouped without its parallel workers). The
            // customer is joined only to filter by it (every unit's customer exists).
            let defective =
                "LEFT JOIN (SELECT DISTINCT appliance_id FROM diagnosis WHERE verdict = 'defective' AND at < ?) d ON d.appliance_id = a.id"
            func customer(_ column: String) -> String {
                context.parameters.customer == nil ? "" : "JOIN customer c ON c.id = \(column)"
            }
            try context.each(
                """
                SELECT a.model_id, a.ship_date, s.region, count(*), count(d.appliance_id)
                FROM appliance a JOIN site s ON s.id = a.site_id \(customer("a.customer_id")) \(defective)
                WHERE a.customer_id IS NOT NULL\(filters.sql)
                GROUP BY a.model_id, a.ship_date, s.region
                UNION ALL
                SELECT a.model_id, a.ship_date, s.region, count(*), count(d.appliance_id)
                FROM appliance a
                JOIN (SELECT DISTINCT ON (appliance_id) appliance_id, customer_id, site_id FROM rma ORDER BY appliance_id, id DESC) r
                  ON r.appliance_id = a.id
                JOIN site s ON s.id = r.site_id \(customer("r.customer_id")) \(defective)
                WHERE a.customer_id IS NULL\(filters.sql)
                GROUP BY a.model_id, a.ship_date, s.region
                """, [end] + filters.arguments + [end] + filters.arguments
            ) { row in cohorts.add(regionGroup: row, asOf: context.asOf(region: row.text(2) ?? "")) }
        }
        for (key, cohort) in cohorts.sorted() {
            try writer.cell(key.model)
            try writer.cell(key.month)
            try writer.cell(String(cohort.units))
            try writer.cell(String(cohort.defective))
            let months = Double(cohort.days) / (365.25 / 12)
            try writer.cell(String(format: "%.1f", months))
            try writer.cell(months > 0 ? String(format: "%.2f", Double(cohort.defective) * 1000 / months) : "")
            try writer.endRow()
        }
    }
}

/// The failure-rates report's cohorts as the units are read. A unit shipped to a customer counts in its cohort
/// while it is there and after it came back under an RMA (with the customer and site that RMA recorded): a
/// returned defective unit is the failure being counted. Ship dates after the as-of day (in the site's region)
/// are not counted yet.
private struct FailureCohorts {
    struct Key: Hashable {
        let model: Int64
        /// Year * 12 + month - 1 of the ship date.
        let month: Int
    }

    struct Cohort {
        var units = 0
        var defective = 0
        /// Days in service up to the as-of day, summed.
        var days = 0
    }

    private let defective: Set<Int64>
    /// The customer and site of each unit's last RMA, for units no longer at a customer.
    private let lastRMA: [Int64: (customer: Int64?, site: Int64?)]
    /// Customers the filter lets through.
    private let customers: Set<Int64>
    /// Sites the filter lets through, with the as-of day of their region.
    private let sites: [Int64: LocalDate]
    private let models: [Int64: String]
    private var cohorts: [Key: Cohort] = [:]

    /// For groups counted by the database: only the models' keys.
    init(models context: ReportContext) throws {
        (defective, lastRMA, customers, sites) = ([], [:], [], [:])
        models = try Self.models(context)
    }

    static func models(_ context: ReportContext) throws -> [Int64: String] {
        var models: [Int64: String] = [:]
        try context.each("SELECT id, key FROM model", []) { models[$0.int(0)] = $0.text(1) ?? "" }
        return models
    }

    init(_ context: ReportContext) throws {
        let end = Instant(utcDate: context.parameters.asOf.adding(days: 1)).description
        var defective = Set<Int64>()
        try context.each("SELECT DISTINCT appliance_id FROM diagnosis WHERE verdict = 'defective' AND at < ?", [end]) {
            defective.insert($0.int(0))
        }
        var lastRMA: [Int64: (customer: Int64?, site: Int64?)] = [:]
        try context.each("SELECT appliance_id, customer_id, site_id FROM rma ORDER BY id", []) { row in
            func optional(_ index: Int32) -> Int64? { row.isNull(index) ? nil : row.int(index) }
            lastRMA[row.int(0)] = (optional(1), optional(2))
        }
        let customerFilter = context.conditions(customer: "c.key")
        var customers = Set<Int64>()
        try context.each("SELECT c.id FROM customer c WHERE TRUE\(customerFilter.sql)", customerFilter.arguments) {
            customers.insert($0.int(0))
        }
        let regionFilter = context.conditions(region: "s.region")
        var sites: [Int64: LocalDate] = [:]
        try context.each("SELECT s.id, s.region FROM site s WHERE TRUE\(regionFilter.sql)", regionFilter.arguments) { row in
            sites[row.int(0)] = context.asOf(region: row.text(1) ?? "")
        }
        (self.defective, self.lastRMA, self.customers, self.sites) = (defective, lastRMA, customers, sites)
        models = try Self.models(context)
    }

    /// Counts the unit of a row `id, model_id, ship_date, customer_id, site_id`.
    mutating func add(unit row: ResultRow) {
        let id = row.int(0)
        add(
            unit: id, model: row.int(1), shipDate: row, at: 2, customer: row.isNull(3) ? nil : row.int(3),
            site: row.isNull(4) ? nil : row.int(4), units: 1, defective: defective.contains(id) ? 1 : 0)
    }

    /// Counts the units of a group `model_id, ship_date, region, units, defective units` (filtered and placed by the
    /// database), the region's day being `asOf`.
    mutating func add(regionGroup row: ResultRow, asOf: LocalDate) {
        guard let shipped = row.withBytes(1, { bytes in LocalDate(isoBytes: bytes) }), shipped <= asOf else { return }
        count(model: row.int(0), shipped: shipped, asOf: asOf, units: Int(row.int(3)), defective: Int(row.int(4)))
    }

    private mutating func add(
        unit id: Int64?, model: Int64, shipDate row: ResultRow, at column: Int32, customer: Int64?, site: Int64?, units: Int,
        defective: Int
    ) {
        // A unit no longer at a customer counts where its last RMA took it from.
        let returned = customer == nil ? id.flatMap { lastRMA[$0] } : nil
        guard let customer = customer ?? returned?.customer, customers.contains(customer),
            let site = returned == nil ? site : returned?.site,
            let asOf = sites[site], let shipped = row.withBytes(column, { bytes in LocalDate(isoBytes: bytes) }), shipped <= asOf
        else { return }
        count(model: model, shipped: shipped, asOf: asOf, units: units, defective: defective)
    }

    private mutating func count(model: Int64, shipped: LocalDate, asOf: LocalDate, units: Int, defective: Int) {
        let (year, month, _) = shipped.components
        let key = Key(model: model, month: year * 12 + month - 1)
        cohorts[key, default: Cohort()].units += units
        cohorts[key, default: Cohort()].days += (asOf.dayNumber - shipped.dayNumber) * units
        cohorts[key, default: Cohort()].defective += defective
    }

    /// The cohorts by model key and ship month (`2026-03`), in that order.
    func sorted() -> [(key: (model: String, month: String), cohort: Cohort)] {
        cohorts.map { key, cohort in
            (key: (model: models[key.model] ?? "", month: String(format: "%04d-%02d", key.month / 12, key.month % 12 + 1)), cohort: cohort)
        }
        // Byte order, as SQL's ORDER BY gave it.
        .sorted { a, b in
            a.key.model == b.key.model ? a.key.month < b.key.month : a.key.model.utf8.lexicographicallyPrecedes(b.key.model.utf8)
        }
    }
}
