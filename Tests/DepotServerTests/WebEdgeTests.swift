import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// What the adversarial review of issue 15 found: a bookmarked view lost its query at sign-in, RMAs listed where
/// their state says they are not, stale forms answered with a missing field instead of the state, paging past the
/// end, error pages without a way back.
@Suite("Web UI edges")
struct WebEdgeTests {
    @Test("a filtered view asked for without a session comes back with its query after signing in")
    func signInKeepsQuery() async throws {
        let server = try TestServer()
        try await server.run { client in
            let asked = try await client.execute(uri: "/rmas?state=open&region=emea", method: .get)
            #expect(asked.headers[.location] == "/sign-in?next=%2Frmas%3Fstate%3Dopen%26region%3Demea")
            let form = try await client.execute(uri: "/sign-in?next=%2Frmas%3Fstate%3Dopen%26region%3Demea", method: .get)
            let page = String(buffer: form.body)
            #expect(page.contains("name=\"next\" value=\"/rmas?state=open&amp;region=emea\""))
        }
    }

    @Test("an advance replacement whose unit came back is not 'to ship'; a delivered return-then-replace expects no return")
    func logisticsByAllowedSteps() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let start = TestServer.now.adding(seconds: -86_400 * 3)
        func step(_ minutes: Int64) -> Instant { start.adding(seconds: 60 * minutes) }
        // ACME (premium-plus): advance replacement, through to the unit received back.
        let acmeCase = try db.openCase(
            NewCase(
                customer: "ACME", contact: "ops@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Dead"),
            at: start, actor: TestDepot.engineer)
        let advance = try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: acmeCase, verdict: .defective, note: "PSU", at: start, actor: TestDepot.engineer)
                .rma)
        _ = try db.allocate(rma: advance, at: step(1), actor: TestDepot.logistics)
        try db.ship(rma: advance, carrier: "UPS", tracking: "1Z", at: step(2), actor: TestDepot.logistics)
        try db.deliver(rma: advance, at: step(3), actor: TestDepot.logistics)
        try db.returnShip(rma: advance, carrier: "UPS", tracking: "BACK", at: step(4), actor: TestDepot.logistics)
        try db.receive(rma: advance, at: step(5), actor: TestDepot.logistics)
        // GLOBEX (standard, in warranty): return then replace, through to the replacement delivered.
        let rtr = try RoleFlowTests.deliveredReturnThenReplace(db, start: step(10))
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            let page = String(buffer: try await logistics.get(client, "/logistics").body)
            #expect(!page.contains("<tr id=\"rma-\(advance)\""))
            #expect(!page.contains("<tr id=\"rma-\(rtr)\""))
            // The list pages say the same: neither has a deadline left.
            let rmasPage = String(buffer: try await logistics.get(client, "/rmas?state=open").body)
            let list = rmasPage.components(separatedBy: "<table id=\"rmas\"").last ?? ""
            #expect(!list.contains("late to ship") && !list.contains("return due") && !list.contains("ship by"))
            // An unknown region is a 400 naming the known ones; so is a direction that is none.
            let mars = try await logistics.get(client, "/rmas?region=mars")
            #expect(mars.status == .badRequest && String(buffer: mars.body).contains("is not one of americas, emea, apac"))
            #expect(try await logistics.get(client, "/rmas?region=EMEA").status == .ok)
            #expect(try await logistics.get(client, "/units?dir=up").status == .badRequest)
        }
    }

    @Test("a stale form: 409 naming the allowed steps; a role that may not: 403 before anything else")
    func staleForms() async throws {
        let server = try TestServer()
        let rma = try FlashTests.approvedRMA(server)
        try await server.run { client in
            let logistics = try await TestBrowser.signIn(client, as: .logistics)
            _ = try await logistics.post(client, "/rmas/\(rma)/allocate", [:])
            _ = try await logistics.post(client, "/rmas/\(rma)/ship", ["carrier": "UPS", "tracking": "1Z"])
            let again = try await logistics.post(client, "/rmas/\(rma)/ship", ["carrier": "UPS", "tracking": "1Z"])
            #expect(again.status == .conflict && String(buffer: again.body).contains("allowed next: deliver"))
            let cancel = try await logistics.post(client, "/rmas/\(rma)/cancel", ["reason": "r", "confirm": "yes"])
            #expect(cancel.status == .conflict && String(buffer: cancel.body).contains("allowed next: deliver"))
            #expect(String(buffer: cancel.body).contains("<a href=\"/rmas/\(rma)\" id=\"back\">"))
            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            #expect(try await accounts.post(client, "/rmas/\(rma)/cancel", [:]).status == .forbidden)
        }
    }

    @Test("a scrap form shown for a returned unit scraps nothing once someone refurbished the unit meanwhile")
    func staleScrap() async throws {
        let server = try TestServer()
        let db = server.depot.database
        _ = try RoleFlowTests.returnedUnit(db)
        try await server.run { client in
            let first = try await TestBrowser.signIn(client, as: .logistics)
            #expect(try await first.post(client, "/units/GLOBEX-1/refurbish", [:]).status == .seeOther)
            let stale = try await first.post(client, "/units/GLOBEX-1/scrap", ["reason": "burnt", "confirm": "yes"])
            #expect(stale.status == .conflict && String(buffer: stale.body).contains("GLOBEX-1 is in-stock"))
            #expect(try db.unitDetail("GLOBEX-1").status == .inStock)
        }
    }

    @Test("a resolved case says when; its escalations say they stopped; past the reopen window it says why there is no Reopen")
    func resolvedCasePage() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let opened = TestServer.now.adding(seconds: -86_400 * 30)
        let number = try db.openCase(
            NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .high, urgency: .medium, title: "Slow"),
            at: opened, actor: TestDepot.engineer)
        try db.advanceCase(number, .resolve, at: opened.adding(seconds: 3600), actor: TestDepot.engineer)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let page = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(page.contains("<div><span>Resolved</span>2026-10-24"))
            #expect(page.contains("stopped: the case is resolved") && !page.contains(">pending<"))
            #expect(page.contains("It can no longer be reopened: it was resolved more than 14 days ago") && !page.contains("step-reopen"))
        }
    }

    @Test("a page past the last one says how many there are; an unknown version is said at its field")
    func pastTheEnd() async throws {
        let server = try TestServer()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let past = try await engineer.get(client, "/units?page=2")
            #expect(past.status == .notFound && String(buffer: past.body).contains("there is no page 2: the list has 1 page (8 records)"))
            #expect(try await engineer.get(client, "/cases?page=1").status == .ok)
            let sent = try await engineer.post(
                client, "/cases",
                [
                    "customer": "ACME", "contact": "ops@acme.example", "type": "question", "impact": "low", "urgency": "low",
                    "title": "Which version?", "softwareVersion": "9.9.9",
                ])
            #expect(sent.status.code >= 400 && String(buffer: sent.body).contains("id=\"softwareVersion-problem\""))
        }
    }
}
