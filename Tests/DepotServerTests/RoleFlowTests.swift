import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 7: each role's flow finishes in the browser: logistics refurbishes or scraps a returned unit,
/// an engineer reopens a resolved case; pages name customers next to keys and link every key.
@Suite("Role flows in the browser")
struct RoleFlowTests {
    /// GLOBEX-1 (standard, in warranty: return then replace) received back at D-EU, its RMA still open.
    static func receivedReturnThenReplace(_ db: DepotDatabase, start: Instant) throws -> RMANumber {
        let number = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-1", impact: .high,
                urgency: .medium, title: "Reboots"), at: start, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(serial: "GLOBEX-1", caseNumber: number, verdict: .defective, note: "PSU", at: start, actor: TestDepot.engineer)
                .rma)
        try db.returnShip(rma: rma, carrier: "DHL", tracking: "BACK1", at: start.adding(seconds: 600), actor: TestDepot.logistics)
        try db.receive(rma: rma, at: start.adding(seconds: 1200), actor: TestDepot.logistics)
        return rma
    }

    /// The same RMA on to its replacement delivered (still open).
    static func deliveredReturnThenReplace(_ db: DepotDatabase, start: Instant) throws -> RMANumber {
        let rma = try receivedReturnThenReplace(db, start: start)
        _ = try db.allocate(rma: rma, at: start.adding(seconds: 1800), actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "DHL", tracking: "OUT1", at: start.adding(seconds: 2400), actor: TestDepot.logistics)
        try db.deliver(rma: rma, at: start.adding(seconds: 3000), actor: TestDepot.logistics)
        return rma
    }

    /// GLOBEX-1 (standard, in warranty: return then replace) through its whole RMA, back at D-EU as `returned`.
    static func returnedUnit(_ db: DepotDatabase) throws -> RMANumber {
        let start = TestServer.now.adding(seconds: -86_400)
        let rma = try deliveredReturnThenReplace(db, start: start)
        try db.closeRMA(rma, at: start.adding(seconds: 3600), actor: TestDepot.logistics)
        return rma
    }

    @Test("logistics refurbishes a returned unit from the queue; scrapping asks to confirm; an engineer may not")
    func refurbishAndScrap() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let rma = try Self.returnedUnit(db)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let page = String(buffer: try await logistics.get(client, "/logistics").body)
            #expect(page.contains("<tr id=\"unit-GLOBEX-1\">") && page.contains("action=\"/units/GLOBEX-1/refurbish\""))
            // The RMA page says where its spare came from, and whose unit it is.
            let rmaPage = String(buffer: try await logistics.get(client, "/rmas/\(rma)").body)
            #expect(rmaPage.contains("from depot D-EU") && rmaPage.contains("<a href=\"/customers/GLOBEX\">GLOBEX</a> · Globex GmbH"))
            // An engineer may look but not move units.
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            #expect(String(buffer: try await engineer.get(client, "/units/GLOBEX-1").body).contains("needs the permission to move units"))
            #expect(try await engineer.post(client, "/units/GLOBEX-1/refurbish", [:]).status == .forbidden)
            // Scrapping without ticking the box changes nothing.
            #expect(try await logistics.post(client, "/units/GLOBEX-1/scrap", ["reason": "burnt"]).status == .badRequest)
            #expect(try db.unitDetail("GLOBEX-1").status == .returned)
            let done = try await logistics.post(client, "/units/GLOBEX-1/refurbish", ["back": "/logistics", "depot": "D-US"])
            #expect(done.headers[.location] == "/logistics#unit-GLOBEX-1")
            let (after, _) = try await logistics.follow(client, done)
            #expect(after.contains("GLOBEX-1 refurbished: in stock at D-US.") && !after.contains("<tr id=\"unit-GLOBEX-1\">"))
            let unit = try db.unitDetail("GLOBEX-1")
            #expect(unit.status == .inStock && unit.depot == "D-US")
        }
    }

    @Test("scrapping a returned unit from the queue is final: confirmed, then said, then the unit is scrapped")
    func scrapConfirmed() async throws {
        let server = try TestServer()
        let db = server.depot.database
        _ = try Self.returnedUnit(db)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let scrapped = try await logistics.post(
                client, "/units/GLOBEX-1/scrap", ["reason": "burnt", "confirm": "yes", "back": "/logistics"])
            let (after, _) = try await logistics.follow(client, scrapped)
            let status = try db.unitDetail("GLOBEX-1").status
            #expect(scrapped.status == .seeOther && status == .scrapped && after.contains("GLOBEX-1 scrapped."))
        }
    }

    @Test("a unit received back while its RMA is still open is not offered for refurbishing or scrapping")
    func receivedButOpen() async throws {
        let server = try TestServer()
        let db = server.depot.database
        _ = try Self.receivedReturnThenReplace(db, start: TestServer.now.adding(seconds: -86_400))
        #expect(try db.unitDetail("GLOBEX-1").status == .returned)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            #expect(!String(buffer: try await logistics.get(client, "/logistics").body).contains("<tr id=\"unit-GLOBEX-1\">"))
            #expect(!String(buffer: try await logistics.get(client, "/units/GLOBEX-1").body).contains("/units/GLOBEX-1/refurbish"))
        }
    }

    @Test("an engineer reopens a resolved case from its page; keys link to their pages in reports and the customer page")
    func reopenAndLinks() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let number = try db.openCase(
            NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .medium, urgency: .medium, title: "How?"),
            at: TestServer.now.adding(seconds: -7200), actor: TestDepot.engineer)
        try db.advanceCase(number, .resolve, at: TestServer.now.adding(seconds: -3600), actor: TestDepot.engineer)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let page = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(page.contains("id=\"step-reopen\"") && page.contains("ACME</a> · Acme Corp"))
            let reopened = try await engineer.post(client, "/cases/\(number)/reopen", ["note": "not fixed"])
            let (after, _) = try await engineer.follow(client, reopened)
            let status = try db.caseDetail(number, now: TestServer.now).status
            #expect(after.contains("\(number): reopened") && status == .open)

            let customer = String(buffer: try await engineer.get(client, "/customers/ACME").body)
            #expect(customer.contains("<a href=\"/units?customer=ACME\" id=\"customer-units\">1</a>"))
            let report = String(buffer: try await engineer.get(client, "/reports/warranty-expiry?as-of=2026-11-23&within-days=400").body)
            #expect(
                report.contains("<td><a href=\"/units/ACME-1\">ACME-1</a></td>") && report.contains("<a href=\"/customers/ACME\">ACME</a>"))
        }
    }
}
