import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 16: the pages that showed a report's content page through it, from tallies and indexes, and agree with the
/// report they summarise.
@Suite("Paged report content: accounts and logistics")
struct FleetSizePagesTests {
    /// The row ids of a table, in order.
    static func rows(_ html: String, table: String) -> [String] { ListPagesTests.numbers(html, table: table) }

    /// 55 EMEA customers with 1-3 units each whose warranties end on consecutive days from 1 December 2026 (one unit
    /// each retired, which does not count), and an APAC customer with units just outside and inside the months.
    static func expiringFleet(_ depot: TestDepot) throws {
        var customers = "customer,name,region,account_manager,tam\n"
        var sites = "site,customer,name,country,region,address\n"
        var units = "serial,model,customer,site,depot,ship_date,software_version,status\n"
        let first = try #require(LocalDate(iso: "2025-12-01"))
        for i in 0..<55 {
            let key = "E\(String(format: "%02d", i))"
            customers += "\(key),Expiring \(i),emea,Erin Manager,\n"
            sites += "\(key)-S,\(key),Site,GB,emea,1 Road\n"
            for u in 0...(i % 3) { units += "\(key)-U\(u),DX-100,\(key),\(key)-S,,\(first.adding(days: i)),5.1,in-service\n" }
            units += "\(key)-OLD,DX-100,\(key),\(key)-S,,\(first.adding(days: i)),5.1,retired\n"
        }
        customers += "APAC-EDGE,Edge Pty,apac,Erin Manager,\n"
        sites += "APAC-EDGE-S,APAC-EDGE,Site,AU,apac,1 Street\n"
        // Warranties ending 2026-10-31 (before this month: out), 2027-02-28 (the last month's last day: in), 2027-03-01 (out).
        units += "EDGE-EARLY,DX-100,APAC-EDGE,APAC-EDGE-S,,2025-10-31,5.1,in-service\n"
        units += "EDGE-IN,DX-100,APAC-EDGE,APAC-EDGE-S,,2026-02-28,5.1,in-service\n"
        units += "EDGE-LATE,DX-100,APAC-EDGE,APAC-EDGE-S,,2026-03-01,5.1,in-service\n"
        try depot.importAll([(.customers, customers), (.sites, sites), (.appliances, units)])
    }

    @Test("/accounts lists the customers with warranties ending in four months, 50 a page, as the warranty-expiry report does")
    func accountsPages() async throws {
        let server = try TestServer()
        try Self.expiringFleet(server.depot)
        let db = server.depot.database
        try await server.run { client in
            let manager = try await TestBrowser.signIn(client, as: .accountManager)
            let first = String(buffer: try await manager.get(client, "/accounts").body)
            let second = String(buffer: try await manager.get(client, "/accounts?page=2").body)
            let listed = (Self.rows(first, table: "expiries") + Self.rows(second, table: "expiries")).map {
                String($0.dropFirst("expiries-".count))
            }
            // The report as of 1 November for 120 days (to 1 March) lists the same units: the order the page gives is
            // the earliest month first, then more units first, then by key.
            #expect(first.contains("as-of=2026-11-01&amp;within-days=120"))
            let report = try db.table(
                ReportCatalog.named("warranty-expiry"), parameters: ReportParameters(asOf: LocalDate(iso: "2026-11-01")!, withinDays: 120),
                limit: 10_000)
            let byCustomer = Dictionary(grouping: report.rows, by: { $0[0] })
            struct Expected { let key: String, month: String, units: Int }
            let groups: [Expected] = byCustomer.map { key, rows in
                Expected(key: key, month: rows.map { String($0[6].prefix(7)) }.min() ?? "", units: rows.count)
            }
            let expected = groups.sorted { a, b in
                if a.month != b.month { return a.month < b.month }
                return a.units != b.units ? a.units > b.units : a.key < b.key
            }
            .map(\.key)
            #expect(listed == expected && listed.count == 57)  // 55, GLOBEX and APAC-EDGE
            #expect(listed.prefix(3) == ["E02", "E05", "E08"])
            #expect(first.contains("Showing 1–50 of 57") && second.contains("Showing 51–57 of 57"))
            // Retired units, and the APAC units ending before November or after February, are out.
            #expect(byCustomer["E02"]?.count == 3 && byCustomer["APAC-EDGE"]?.map { $0[3] } == ["EDGE-IN"])
            #expect(first.contains("\(report.rows.count) units in service whose warranty ends from 2026-11 to 2027-02"))
            #expect(second.contains("within-days=120\">1 unit</a>"))
            let past = try await manager.get(client, "/accounts?page=3")
            #expect(past.status == .notFound && String(buffer: past.body).contains("there is no page 3: the list has 2 pages"))
            #expect(try await manager.get(client, "/accounts?page=x").status == .badRequest)
        }
    }

    @Test("logistics pages each list by 50 in deadline order, keeping the other lists' pages; past the end is a 404")
    func logisticsPages() async throws {
        let server = try TestServer()
        var units = "serial,model,customer,site,depot,ship_date,software_version,status\n"
        for i in 0..<53 { units += "Q-\(i),DX-100,ACME,ACME-NYC,,2026-06-01,5.1,in-service\n" }
        try server.depot.importAll([(.appliances, units)])
        let db = server.depot.database
        let start = try #require(Instant(iso: "2026-11-09T15:00:00Z"))
        var opened: [RMANumber] = []
        // Verdicts an hour apart, in reverse order of number for the second half: the deadlines, not the numbers, order.
        for i in 0..<53 {
            let hours = Int64(i < 26 ? i : 80 - i)
            opened.append(
                try LogisticsPageTests.rma(db, "ACME", "ops@acme.example", Serial("Q-\(i)")!, at: start.adding(seconds: 3600 * hours)))
        }
        let numbers = Set(opened.map(\.text))
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .logistics)
            let first = String(buffer: try await browser.get(client, "/logistics").body)
            #expect(first.contains("Showing 1–50 of 53"))
            #expect(first.contains("href=\"/logistics?to-ship-page=2#to-ship\" rel=\"next\""))
            #expect(first.contains("<nav class=\"pager\" aria-label=\"Pages of to ship\">"))
            let second = String(buffer: try await browser.get(client, "/logistics?to-ship-page=2").body)
            #expect(second.contains("Showing 51–53 of 53") && second.contains("href=\"/logistics#to-ship\" rel=\"prev\""))
            let listed = (Self.rows(first, table: "to-ship") + Self.rows(second, table: "to-ship")).map {
                String($0.dropFirst("rma-".count))
            }
            #expect(listed.count == 53 && Set(listed) == numbers)
            let deadlines = try listed.map { try #require(try db.rmaDetail(RMANumber($0)!, now: TestServer.now).shipBy) }
            #expect(deadlines == deadlines.sorted())
            let past = try await browser.get(client, "/logistics?returns-page=2")
            #expect(past.status == .notFound && String(buffer: past.body).contains("there is no page 2: the list has 1 page (0 records)"))
            let bad = try await browser.get(client, "/logistics?to-ship-page=-1")
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("to-ship-page must be a whole number"))
        }
    }

    @Test("a report's page shows 500 rows a page, its filters kept in the pages' links; past the last page is a 404")
    func reportPages() async throws {
        let server = try TestServer()
        var units = "serial,model,customer,site,depot,ship_date,software_version,status\n"
        for i in 0..<520 {
            units += "R-\(String(format: "%03d", i)),DX-100,ACME,ACME-NYC,,2026-01-\(String(format: "%02d", 1 + i % 28)),5.1,in-service\n"
        }
        try server.depot.importAll([(.appliances, units)])
        let db = server.depot.database
        let all = try db.table(
            ReportCatalog.named("warranty-expiry"),
            parameters: ReportParameters(asOf: LocalDate(iso: "2026-11-01")!, withinDays: 120, customer: "ACME"), limit: 10_000
        ).rows
        try await server.run { client in
            let manager = try await TestBrowser.signIn(client, as: .accountManager)
            let path = "/reports/warranty-expiry?as-of=2026-11-01&customer=ACME&within-days=120"
            let first = String(buffer: try await manager.get(client, path).body)
            #expect(first.contains("Showing 1–500 of \(all.count) rows; the CSV has them all."))
            #expect(
                first.contains(
                    "href=\"/reports/warranty-expiry?as-of=2026-11-01&amp;customer=ACME&amp;page=2&amp;within-days=120\" rel=\"next\""))
            let second = String(buffer: try await manager.get(client, path + "&page=2").body)
            #expect(second.contains("Showing 501–\(all.count) of \(all.count) rows"))
            // The second page holds the report's rows after the 500th, in the report's order.
            let serials = all.dropFirst(500).map { $0[3] }
            #expect(!serials.isEmpty && serials.allSatisfy { second.contains("/units/\($0)\"") })
            #expect(!second.contains("/units/\(all[499][3])\""))
            let past = try await manager.get(client, path + "&page=3")
            #expect(past.status == .notFound && String(buffer: past.body).contains("there is no page 3: the list has 2 pages"))
        }
    }
}
