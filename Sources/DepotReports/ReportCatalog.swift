import DepotCore
import DepotStore
import Foundation

/// Every built-in report (SPEC.md 5). Names and the columns of the first three are a contract.
public enum ReportCatalog {
    /// The reports, in the order `depot report list` shows them.
    public static let all: [Report] = [
        warrantyExpiry, shippingQueue, overdueReturns, contractRenewals, slaCompliance, escalations, failureRates,
        unsupportedVersions, salesReferrals, spareStock, csat, csatResponses,
    ]

    /// The report with a name.
    public static func named(_ name: String) throws(DepotError) -> Report {
        guard let report = all.first(where: { $0.name == name }) else {
            throw .invalidArgument(
                name: "report", value: name, reason: "unknown report (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return report
    }

    /// RMAs whose replacement has not shipped yet (`r` is the RMA).
    static let awaitingShipment = """
        ((r.path = 'advance-replacement' AND r.state IN ('approved', 'allocated'))
         OR (r.path = 'return-then-replace' AND r.state IN ('awaiting-return', 'return-received', 'allocated')))
        """
    /// The units table for a report over the fleet: as it is when the report is for one customer (the index on
    /// `customer_id` finds that customer's units), else `NOT INDEXED`. SQLite otherwise walks the partial index on
    /// `customer_id` for the whole fleet (the join implies `customer_id IS NOT NULL`; `+a.customer_id` does not stop
    /// it) and reads each unit by a random lookup: 1.07-1.6 s against 0.42-0.58 s for a scan of 1,000,000 units.
    static func units(_ context: ReportContext) -> String {
        context.parameters.customer == nil ? "appliance a" + context.db.dialect.notIndexed : "appliance a"
    }

    /// Statuses of a unit at its customer's site.
    static let inService = "a.status IN ('in-service', 'suspect', 'defective')"
    /// The customer's highest-tier contract active on the as-of day (parameter 1).
    static let activeContract = """
        active AS (
            SELECT customer_id, tier, end_date, ROW_NUMBER() OVER (
                PARTITION BY customer_id
                ORDER BY CASE tier WHEN 'premium-plus' THEN 3 WHEN 'premium' THEN 2 ELSE 1 END DESC, end_date DESC) AS rank
            FROM contract WHERE start_date <= ?1 AND end_date >= ?1)
        """

    static let warrantyExpiry = Report(
        name: "warranty-expiry", title: "Warranty expiry", audience: "account managers",
        summary:
            "Units in service whose warranty ends within N days of the as-of day (from that day on), with the customer's active contract.",
        columns: [
            "customer", "account_manager", "site", "serial", "model", "ship_date", "warranty_end", "days_left", "contract_tier",
            "contract_end",
        ],
        filters: [.customer, .region, .accountManager, .withinDays], defaultWithinDays: 90
    ) { context, writer in
        let p = context.parameters
        let filter = context.conditions(customer: "c.key", region: "s.region", accountManager: "c.account_manager")
        let asOf = context.asOfSQL("s.region", placeholder: "?1")
        let until = context.asOfSQL("s.region", placeholder: "?2", plusDays: p.withinDays ?? 90)
        let sql = """
            WITH \(activeContract)
            SELECT c.key, c.account_manager, s.key, a.serial, m.key, a.ship_date, a.warranty_end,
                   \(context.db.dialect.daysBetween("a.warranty_end", asOf)), ac.tier, ac.end_date
            FROM \(units(context))
            JOIN customer c ON c.id = a.customer_id
            JOIN site s ON s.id = a.site_id
            JOIN model m ON m.id = a.model_id
            LEFT JOIN active ac ON ac.customer_id = a.customer_id AND ac.rank = 1
            WHERE \(inService) AND a.warranty_end >= \(asOf) AND a.warranty_end < \(until)\(filter.sql)
            ORDER BY a.warranty_end, a.serial
            """
        let untilDay = p.asOf.adding(days: p.withinDays ?? 90).description
        try context.each(sql, [p.asOf.description, untilDay] + filter.arguments) { row in
            try row.copy(0..<10, to: writer)
            try writer.endRow()
        }
    }

    static let shippingQueue = Report(
        name: "shipping-queue", title: "Shipping queue", audience: "logistics",
        summary:
            "Open RMAs whose replacement has not shipped, by ship-by deadline; overdue when the deadline is before the end of the as-of day.",
        columns: ["rma", "path", "state", "customer", "site", "region", "model", "ship_by", "overdue"],
        filters: [.customer, .region], defaultWithinDays: nil
    ) { context, writer in
        let filter = context.conditions(customer: "c.key", region: "r.region")
        let sql = """
            SELECT r.number, r.path, r.state, c.key, s.key, r.region, m.key, r.ship_by
            FROM rma r
            JOIN appliance a ON a.id = r.appliance_id
            JOIN model m ON m.id = a.model_id
            LEFT JOIN customer c ON c.id = r.customer_id
            LEFT JOIN site s ON s.id = r.site_id
            WHERE \(awaitingShipment)\(filter.sql)
            ORDER BY r.ship_by IS NULL, r.ship_by, r.number
            """
        try context.each(sql, filter.arguments) { row in
            try row.copy(0..<8, to: writer)
            let overdue = row.text(7).flatMap { Instant(iso: $0) }.map { $0 < context.endOfDay(region: row.text(5) ?? "") } ?? false
            try writer.cell(overdue ? "yes" : "no")
            try writer.endRow()
        }
    }

    static let overdueReturns = Report(
        name: "overdue-returns", title: "Overdue returns", audience: "logistics",
        summary: "Advance replacements whose defective unit was not received by its return-due deadline (before the end of the as-of day).",
        columns: ["rma", "customer", "site", "serial", "model", "return_due", "days_overdue"],
        filters: [.customer, .region], defaultWithinDays: nil
    ) { context, writer in
        let filter = context.conditions(customer: "c.key", region: "r.region")
        let sql = """
            SELECT r.number, c.key, s.key, a.serial, m.key, r.return_due, r.region
            FROM rma r
            JOIN appliance a ON a.id = r.appliance_id
            JOIN model m ON m.id = a.model_id
            LEFT JOIN customer c ON c.id = r.customer_id
            LEFT JOIN site s ON s.id = r.site_id
            WHERE r.path = 'advance-replacement' AND r.state IN ('delivered', 'return-shipped') AND r.return_due IS NOT NULL\(filter.sql)
            ORDER BY r.return_due, r.number
            """
        try context.each(sql, filter.arguments) { row in
            let region = row.text(6) ?? ""
            guard let due = row.text(5).flatMap({ Instant(iso: $0) }), due < context.endOfDay(region: region) else { return }
            try row.copy(0..<6, to: writer)
            try writer.cell(String(context.asOf(region: region).dayNumber - context.day(of: due, region: region).dayNumber))
            try writer.endRow()
        }
    }

    static let contractRenewals = Report(
        name: "contract-renewals", title: "Contract renewals", audience: "account managers",
        summary:
            "Contracts whose last day falls within N days of the as-of day (from that day on), with the units the customer has in service.",
        columns: ["customer", "account_manager", "region", "contract", "tier", "start_date", "end_date", "days_left", "units_in_service"],
        filters: [.customer, .region, .accountManager, .withinDays], defaultWithinDays: 90
    ) { context, writer in
        let p = context.parameters
        let filter = context.conditions(customer: "c.key", region: "c.region", accountManager: "c.account_manager")
        let asOf = context.asOfSQL("c.region", placeholder: "?1")
        let until = context.asOfSQL("c.region", placeholder: "?2", plusDays: p.withinDays ?? 90)
        let sql = """
            SELECT c.key, c.account_manager, c.region, k.key, k.tier, k.start_date, k.end_date,
                   \(context.db.dialect.daysBetween("k.end_date", asOf)),
                   (SELECT CAST(coalesce(sum(t.units), 0) AS BIGINT) FROM unit_tally t
                    WHERE t.customer_id = c.id AND t.status IN ('in-service', 'suspect', 'defective'))
            FROM contract k JOIN customer c ON c.id = k.customer_id
            WHERE k.end_date >= \(asOf) AND k.end_date < \(until)\(filter.sql)
            ORDER BY k.end_date, c.key, k.key
            """
        try context.each(sql, [p.asOf.description, p.asOf.adding(days: p.withinDays ?? 90).description] + filter.arguments) { row in
            try row.copy(0..<9, to: writer)
            try writer.endRow()
        }
    }

    static let slaCompliance = Report(
        name: "sla-compliance", title: "SLA compliance", audience: "support leadership",
        summary:
            "One row per case opened by the as-of day: response deadline, first response, met, breached, pending or none (no contract or no timeframe promised), hours waited on the customer (which never stop the response clock), and why a case on a software version outside the support policy is counted apart from the others.",
        columns: [
            "case", "customer", "region", "priority", "tier", "opened", "response_due", "responded", "sla", "waited_hours",
            "unsupported_version",
        ],
        filters: [.customer, .region, .accountManager, .since], defaultWithinDays: nil
    ) { context, writer in
        let p = context.parameters
        var filter = context.conditions(customer: "c.key", region: "k.region", accountManager: "c.account_manager")
        if let since = p.since {
            filter.sql += " AND k.opened_at >= ?"
            filter.arguments.append(Instant(utcDate: since).adding(seconds: -14 * 3600).description)
        }
        let pauses = try context.pauses()
        let sql = """
            SELECT k.number, c.key, k.region, k.priority, k.tier, k.opened_at, k.response_due, k.responded_at, k.unsupported_version
            FROM support_case k JOIN customer c ON c.id = k.customer_id
            WHERE k.opened_at < ?\(filter.sql)
            ORDER BY k.opened_at, k.number
            """
        // Cases are opened at instants; the as-of day ends at different instants by region, so the SQL takes
        // a generous bound and each row is checked against its region's end of day.
        let bound = Instant(utcDate: p.asOf.adding(days: 2)).description
        try context.each(sql, [bound] + filter.arguments) { row in
            let region = row.text(2) ?? ""
            guard let opened = row.text(5).flatMap({ Instant(iso: $0) }), opened < context.endOfDay(region: region) else { return }
            if let since = p.since, context.day(of: opened, region: region) < since { return }
            let end = context.endOfDay(region: region)
            let responded = row.text(7).flatMap { Instant(iso: $0) }.flatMap { $0 < end ? $0 : nil }
            let state = SLAState.of(due: row.text(6).flatMap { Instant(iso: $0) }, responded: responded, now: end)
            try row.copy(0..<7, to: writer)
            try writer.cell(responded?.description ?? "")
            try writer.cell(state?.rawValue ?? "none")
            let waited = pauses[row.text(0) ?? ""]?.reduce(0) { $0 + $1.seconds(now: end) } ?? 0
            try writer.cell(Report.hours(seconds: waited))
            try writer.cell(row.text(8) ?? "")
            try writer.endRow()
        }
    }

    static let escalations = Report(
        name: "escalations", title: "Escalations", audience: "support leadership",
        summary:
            "Escalation deadlines of cases opened by the as-of day, moved by the waits on the customer ended by then: fired, due (passed, not yet fired), pending, held (the case is waiting on the customer), or stopped (case resolved or closed first).",
        columns: ["case", "customer", "region", "priority", "tier", "target", "threshold", "due", "fired_at", "state"],
        filters: [.customer, .region, .since], defaultWithinDays: nil
    ) { context, writer in
        let p = context.parameters
        let filter = context.conditions(customer: "c.key", region: "k.region")
        let pauses = try context.pauses()
        let sql = """
            SELECT k.number, c.key, k.region, k.priority, k.tier, e.target, e.threshold, e.due_at, e.fired_at, k.opened_at,
                   coalesce(k.resolved_at, k.closed_at)
            FROM case_escalation e JOIN support_case k ON k.id = e.case_id JOIN customer c ON c.id = k.customer_id
            WHERE k.opened_at < ?\(filter.sql)
            ORDER BY e.due_at, k.number, e.target
            """
        var clocks: [String: BusinessClock] = [:]
        try context.each(sql, [Instant(utcDate: p.asOf.adding(days: 2)).description] + filter.arguments) { row in
            let region = row.text(2) ?? ""
            let end = context.endOfDay(region: region)
            guard let opened = row.text(9).flatMap({ Instant(iso: $0) }), opened < end,
                var due = row.text(7).flatMap({ Instant(iso: $0) })
            else { return }
            let fired = row.text(8).flatMap { Instant(iso: $0) }.flatMap { $0 < end ? $0 : nil }
            var held = false
            if fired == nil, let waits = pauses[row.text(0) ?? ""], case .success(let threshold) = ClockDuration.parse(row.text(6) ?? "") {
                // The deadline as the waits ended by the as-of day left it; one still running then holds it.
                let clock = try clocks[region] ?? context.policy.clock(for: region)
                clocks[region] = clock
                due = try clock.escalationDeadline(threshold, opened: opened, pauses: waits.filter { $0.end != nil }) ?? due
                held = waits.contains { $0.end == nil && $0.start < due }
            }
            if let since = p.since, context.day(of: due, region: region) < since { return }
            let resolved = row.text(10).flatMap { Instant(iso: $0) }.flatMap { $0 < end ? $0 : nil }
            let state =
                fired != nil ? "fired" : resolved.map { $0 < due } == true ? "stopped" : held ? "held" : due < end ? "due" : "pending"
            try row.copy(0..<7, to: writer)
            try writer.cell(due.description)
            try writer.cell(fired?.description ?? "")
            try writer.cell(state)
            try writer.endRow()
        }
    }

    static let unsupportedVersions = Report(
        name: "unsupported-versions", title: "Unsupported software versions", audience: "account managers",
        summary: "Units in service running a software version that is no longer supported on the as-of day.",
        columns: ["customer", "account_manager", "site", "serial", "model", "software_version", "maintained_until"],
        filters: [.customer, .region, .accountManager], defaultWithinDays: nil
    ) { context, writer in
        let p = context.parameters
        var releases: [Release] = []
        try context.each("SELECT version, released_on FROM release", []) { row in
            if let version = row.text(0).flatMap(SoftwareVersion.init), let day = row.text(1).flatMap({ LocalDate(iso: $0) }) {
                releases.append(Release(version: version, releasedOn: day))
            }
        }
        var unsupported: [String: LocalDate] = [:]
        for release in releases where release.releasedOn <= p.asOf {
            if let support = try? context.policy.versions.support(of: release.version, releases: releases, on: p.asOf), !support.supported {
                unsupported[release.version.description] = support.maintainedUntil
            }
        }
        guard !unsupported.isEmpty else { return }
        let filter = context.conditions(customer: "c.key", region: "s.region", accountManager: "c.account_manager")
        let versions = unsupported.keys.sorted()
        let sql = """
            SELECT c.key, c.account_manager, s.key, a.serial, m.key, a.software_version
            FROM \(units(context))
            JOIN customer c ON c.id = a.customer_id
            JOIN site s ON s.id = a.site_id
            JOIN model m ON m.id = a.model_id
            WHERE \(inService) AND a.software_version IN (\(versions.map { _ in "?" }.joined(separator: ", ")))\(filter.sql)
            ORDER BY c.key, a.serial
            """
        try context.each(sql, versions + filter.arguments) { row in
            try row.copy(0..<6, to: writer)
            try writer.cell(row.text(5).flatMap { unsupported[$0]?.description })
            try writer.endRow()
        }
    }

    static let salesReferrals = Report(
        name: "sales-referrals", title: "Sales referrals", audience: "account managers",
        summary:
            "Defective units out of warranty without a premium contract, referred to sales, by verdict time, with the outcome once closed.",
        columns: ["rma", "state", "customer", "account_manager", "site", "serial", "model", "verdict_at", "warranty_end", "outcome"],
        filters: [.customer, .region, .accountManager], defaultWithinDays: nil
    ) { context, writer in
        let filter = context.conditions(customer: "c.key", region: "r.region", accountManager: "c.account_manager")
        let sql = """
            SELECT r.number, r.state, c.key, c.account_manager, s.key, a.serial, m.key, r.verdict_at, r.warranty_end, r.outcome
            FROM rma r
            JOIN customer c ON c.id = r.customer_id
            JOIN appliance a ON a.id = r.appliance_id
            JOIN model m ON m.id = a.model_id
            LEFT JOIN site s ON s.id = r.site_id
            WHERE r.path = 'sales-referral' AND r.verdict_at < ?\(filter.sql)
            ORDER BY r.verdict_at, r.number
            """
        try context.each(sql, [Instant(utcDate: context.parameters.asOf.adding(days: 1)).description] + filter.arguments) { row in
            try row.copy(0..<10, to: writer)
            try writer.endRow()
        }
    }

    static let spareStock = Report(
        name: "spare-stock", title: "Spare stock", audience: "logistics",
        summary:
            "Per depot and model: spares in stock, spares allocated, and open RMAs of the depot's region still needing a unit of that model.",
        columns: ["depot", "region", "model", "in_stock", "allocated", "open_rmas_needing"],
        filters: [.region], defaultWithinDays: nil
    ) { context, writer in
        let filter = context.conditions(region: "d.region")
        // Spares in stock and allocated come from `unit_tally` (a row per depot, status and model): the report
        // reads no unit but those of the open RMAs.
        let sql = """
            WITH stock AS (
                SELECT depot_id, model_id,
                       sum(CASE status WHEN 'in-stock' THEN units ELSE 0 END) AS in_stock,
                       sum(CASE status WHEN 'allocated' THEN units ELSE 0 END) AS allocated
                FROM unit_tally WHERE customer_id = 0 AND depot_id <> 0 AND status IN ('in-stock', 'allocated')
                GROUP BY depot_id, model_id)
            SELECT d.key, d.region, m.key, coalesce(st.in_stock, 0), coalesce(st.allocated, 0),
                   (SELECT count(*) FROM rma r JOIN appliance a ON a.id = r.appliance_id
                    WHERE r.region = d.region AND a.model_id = m.id
                      AND (\(awaitingShipment)) AND r.replacement_id IS NULL)
            FROM depot d CROSS JOIN model m
            LEFT JOIN stock st ON st.depot_id = d.id AND st.model_id = m.id
            WHERE TRUE\(filter.sql)
            ORDER BY d.key, m.key
            """
        try context.each(sql, filter.arguments) { row in
            guard row.int(3) + row.int(4) + row.int(5) > 0 else { return }
            try row.copy(0..<6, to: writer)
            try writer.endRow()
        }
    }
}
