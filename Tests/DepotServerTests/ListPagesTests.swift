import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 4: list pages filter, sort and page through everything (nothing cut silently), with the view in
/// the address; the support view sorts by SLA time left; search finds parts of keys and lists what it found.
@Suite("List pages and search")
struct ListPagesTests {
    /// The case numbers in a list page's table, in order.
    static func numbers(_ html: String, table: String) -> [String] {
        guard let start = html.range(of: "<table id=\"\(table)\"") else { return [] }
        let body = html[start.upperBound...].prefix { _ in true }
        let end = body.range(of: "</table>")?.lowerBound ?? body.endIndex
        return body[..<end].components(separatedBy: "<tr id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    static func open(
        _ db: DepotDatabase, _ customer: String, contact: String, minutesAgo: Int64, impact: Level = .medium, type: CaseType = .question
    ) throws -> CaseNumber {
        try db.openCase(
            NewCase(
                customer: customer, contact: contact, type: type, impact: impact, urgency: .medium, title: "Question \(minutesAgo)"),
            at: TestServer.now.adding(seconds: -60 * minutesAgo), actor: TestDepot.engineer)
    }

    @Test("/cases pages through every match once, keeps its filters in the links, refuses an unknown value by name")
    func casesPaging() async throws {
        let server = try TestServer()
        let db = server.depot.database
        var opened: Set<String> = []
        for i in 0..<55 { opened.insert(try Self.open(db, "GLOBEX", contact: "it@globex.example", minutesAgo: Int64(10 + i)).text) }
        let globex = opened
        for i in 0..<3 { _ = try Self.open(db, "ACME", contact: "ops@acme.example", minutesAgo: Int64(5 + i)) }
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            // A key in any case, a region in any case: the same list.
            let first = String(buffer: try await engineer.get(client, "/cases?customer=globex&region=EMEA").body)
            #expect(first.contains("Showing 1–50 of 55"))
            #expect(first.contains("href=\"/cases?customer=globex&amp;page=2&amp;region=EMEA\" rel=\"next\""))
            let second = String(buffer: try await engineer.get(client, "/cases?customer=globex&page=2&region=EMEA").body)
            #expect(second.contains("Showing 51–55 of 55") && !second.contains("rel=\"next\""))
            // Every GLOBEX case exactly once over the two pages; none of another customer.
            let listed = (Self.numbers(first, table: "cases") + Self.numbers(second, table: "cases")).map {
                String($0.dropFirst("case-".count))
            }
            #expect(listed.count == 55 && Set(listed) == globex)
            // Newest first by default; sorted by number ascending on request, the header then offers the other way.
            #expect(listed.first == (try db.cases(CaseFilter(customer: "GLOBEX"), now: TestServer.now, limit: 1).first?.number.text))
            let byNumber = String(buffer: try await engineer.get(client, "/cases?customer=GLOBEX&sort=number").body)
            let ascending = Self.numbers(byNumber, table: "cases")
            #expect(ascending == ascending.sorted() && ascending.count == 50)
            #expect(byNumber.contains("aria-sort=\"ascending\"><a href=\"/cases?customer=GLOBEX&amp;dir=desc&amp;sort=number\""))
            let bad = try await engineer.get(client, "/cases?priority=P9")
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("priority &quot;P9&quot; is not one of P1, P2, P3, P4"))
            let badPage = try await engineer.get(client, "/cases?page=0")
            #expect(badPage.status == .badRequest)
        }
    }

    @Test("the support view and /cases?sort=due put the cases still to respond to first, the most urgent at the top")
    func supportBySLA() async throws {
        let server = try TestServer()
        let db = server.depot.database
        for i in 0..<6 {
            _ = try Self.open(
                db, i % 2 == 0 ? "ACME" : "GLOBEX", contact: i % 2 == 0 ? "ops@acme.example" : "it@globex.example",
                minutesAgo: Int64(600 * i + 30), impact: i == 3 ? .high : .medium)
        }
        let responded = try Self.open(db, "ACME", contact: "ops@acme.example", minutesAgo: 5000)
        try db.advanceCase(responded, .respond, note: "on it", at: TestServer.now.adding(seconds: -60), actor: TestDepot.engineer)
        // An enhancement of a customer without a contract: no response deadline; it sorts as the smallest deadline among
        // the others, on both backends (PostgreSQL puts NULL last unless told).
        let noSLA = try Self.open(db, "NOCON", contact: "it@nocon.example", minutesAgo: 4000, type: .enhancement)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let support = String(buffer: try await engineer.get(client, "/support").body)
            let shown = Self.numbers(support, table: "open-cases").map { String($0.dropFirst("open-cases-".count)) }
            let all = try db.cases(CaseFilter(unresolvedOnly: true), now: TestServer.now)
            // The expected order: not responded first by response deadline, then the others.
            let never = Instant(secondsSinceEpoch: .max)
            let expected = all.sorted { a, b in
                let (wa, wb) = (![responded, noSLA].contains(a.number), ![responded, noSLA].contains(b.number))
                if wa != wb { return wa }
                return wa ? (a.responseDue ?? never) < (b.responseDue ?? never) : a.responseDue == nil && b.responseDue != nil
            }.map(\.number.text)
            #expect(shown == expected && shown.suffix(2) == [noSLA.text, responded.text])
            let list = String(buffer: try await engineer.get(client, "/cases?sort=due&status=unresolved").body)
            #expect(Self.numbers(list, table: "cases").map { String($0.dropFirst("case-".count)) } == expected)
        }
    }

    @Test("/rmas?overdue=true lists exactly the RMAs the store calls overdue; /units and /customers find parts of keys and names")
    func rmasUnitsCustomers() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let units: [(Serial, String, String, Int)] = [
            ("ACME-1", "ACME", "ops@acme.example", 10), ("GLOBEX-1", "GLOBEX", "it@globex.example", 0),
        ]
        for (serial, customer, contact, daysAgo) in units {
            let at = TestServer.now.adding(seconds: -86_400 * Int64(daysAgo) - 3600)
            let number = try db.openCase(
                NewCase(
                    customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: .high, urgency: .medium,
                    title: "Dead"),
                at: at, actor: TestDepot.engineer)
            _ = try db.diagnose(
                serial: serial, caseNumber: number, verdict: .defective, note: "PSU", at: at, actor: TestDepot.engineer)
        }
        // The SQL filter against the rule every RMA's `overdue` flag comes from (`isOverdue`).
        let overdue = try db.rmas(RMAFilter(), now: TestServer.now).filter(\.overdue).map { "rma-\($0.number)" }
        #expect(try db.rmas(RMAFilter(overdueOnly: true), now: TestServer.now).map { "rma-\($0.number)" } == overdue)
        #expect(overdue.count == 1)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let late = String(buffer: try await logistics.get(client, "/rmas?overdue=true").body)
            #expect(Self.numbers(late, table: "rmas") == overdue && late.contains("late to ship"))
            #expect(Self.numbers(String(buffer: try await logistics.get(client, "/rmas").body), table: "rmas").count == 2)
            #expect(try await logistics.get(client, "/rmas?overdue=maybe").status == .badRequest)
            let units = String(buffer: try await logistics.get(client, "/units?serial=spare-eu").body)
            #expect(Self.numbers(units, table: "units") == ["unit-SPARE-EU-1", "unit-SPARE-EU-2"])
            // `%` and `_` are letters here, not wildcards.
            #expect(String(buffer: try await logistics.get(client, "/units?serial=%25").body).contains("Nothing matches"))
            let stock = String(buffer: try await logistics.get(client, "/units?status=in-stock&sort=serial&dir=desc").body)
            #expect(Self.numbers(stock, table: "units") == ["unit-SPARE-US-1", "unit-SPARE-EU-2", "unit-SPARE-EU-1"])
            let customers = String(buffer: try await logistics.get(client, "/customers?text=gmbh").body)
            #expect(Self.numbers(customers, table: "customers") == ["customer-GLOBEX"])
            #expect(customers.contains("href=\"/units?customer=GLOBEX\""))
            let managed = String(buffer: try await logistics.get(client, "/customers?manager=bob+manager").body)
            #expect(Self.numbers(managed, table: "customers") == ["customer-GLOBEX", "customer-NOCON"])
        }
    }

    @Test("search: one partial match opens it, several are listed by kind, none is a 404 page with the search box")
    func partialSearch() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let one = try await engineer.get(client, "/search?q=globex-o")
            #expect(one.status == .seeOther && one.headers[.location] == "/units/GLOBEX-OLD")
            let several = try await engineer.get(client, "/search?q=spare-eu")
            let page = String(buffer: several.body)
            #expect(several.status == .ok && page.contains("href=\"/units/SPARE-EU-1\"") && page.contains("href=\"/units/SPARE-EU-2\""))
            // A name's part finds its customer (and the customer's units by key).
            let byName = String(buffer: try await engineer.get(client, "/search?q=Glob").body)
            #expect(
                byName.contains("id=\"found-customers\"") && byName.contains("href=\"/customers/GLOBEX\"")
                    && byName.contains("href=\"/units/GLOBEX-1\""))
            let none = try await engineer.get(client, "/search?q=zz%25z")
            let nothing = String(buffer: none.body)
            #expect(none.status == .notFound && nothing.contains("Nothing found for “zz%z”") && nothing.contains("id=\"search-again\""))
        }
    }
}
