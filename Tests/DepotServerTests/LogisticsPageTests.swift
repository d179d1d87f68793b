import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, defect 2: the logistics page lists each RMA where its state says it belongs, under a heading that says
/// the rule, ordered by the deadline of that list, late ones marked.
@Suite("The logistics page")
struct LogisticsPageTests {
    static let units: [(ImportEntity, String)] = [
        (
            .appliances,
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            ACME-2,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            ACME-3,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            SPARE-US-2,DX-100,,,D-US,2026-01-10,5.1,in-stock
            """
        )
    ]

    /// Opens a hardware case on `serial` at `at` and diagnoses it defective an hour later; the RMA's number.
    static func rma(_ db: DepotDatabase, _ customer: String, _ contact: String, _ serial: Serial, at: Instant) throws -> RMANumber {
        let number = try db.openCase(
            NewCase(
                customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: .high, urgency: .medium, title: "Dead"),
            at: at, actor: TestDepot.engineer)
        return try #require(
            try db.diagnose(
                serial: serial, caseNumber: number, verdict: .defective, note: "PSU", at: at.adding(seconds: 3600),
                actor: TestDepot.engineer
            )
            .rma)
    }

    /// The HTML of the section under the heading `title`.
    static func section(_ html: String, _ title: String) -> String {
        guard let start = html.range(of: "<h2>\(title)</h2>") else { return "" }
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)])
    }

    @Test("to ship, in transit and returns expected: each RMA in its list by its state, by deadline, late ones marked")
    func sections() async throws {
        let server = try TestServer()
        try server.depot.importAll(Self.units)
        let db = server.depot.database
        let earlier = try #require(Instant(iso: "2026-11-02T15:00:00Z"))  // three weeks before the server's "now"
        let lastWeek = try #require(Instant(iso: "2026-11-16T15:00:00Z"))
        let logistics = TestDepot.logistics
        // ACME (premium-plus): advance replacements. One approved a week ago and never shipped: late to ship.
        let lateToShip = try Self.rma(db, "ACME", "ops@acme.example", "ACME-1", at: lastWeek)
        // One shipped, not delivered: in transit.
        let shipped = try Self.rma(db, "ACME", "ops@acme.example", "ACME-2", at: lastWeek)
        try db.allocate(rma: shipped, serial: "SPARE-US-1", at: lastWeek.adding(seconds: 7200), actor: logistics)
        try db.ship(rma: shipped, carrier: "UPS", tracking: "1Z1", at: lastWeek.adding(seconds: 9000), actor: logistics)
        // One delivered three weeks ago whose unit never came back: its return is overdue.
        let overdueReturn = try Self.rma(db, "ACME", "ops@acme.example", "ACME-3", at: earlier)
        try db.allocate(rma: overdueReturn, serial: "SPARE-US-2", at: earlier.adding(seconds: 7200), actor: logistics)
        try db.ship(rma: overdueReturn, carrier: "UPS", tracking: "1Z2", at: earlier.adding(seconds: 9000), actor: logistics)
        try db.deliver(rma: overdueReturn, at: earlier.adding(seconds: 86_400), actor: logistics)
        // GLOBEX (standard): return then replace, waiting for the customer's unit.
        let awaitingReturn = try Self.rma(db, "GLOBEX", "it@globex.example", "GLOBEX-1", at: lastWeek)
        // NOCON (no contract, in warranty): return then replace, the unit received yesterday: to ship, not late.
        let received = try Self.rma(db, "NOCON", "it@nocon.example", "NOCON-1", at: lastWeek)
        try db.receive(rma: received, at: lastWeek.adding(seconds: 6 * 86_400), actor: logistics)
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .logistics)
            let html = String(buffer: try await browser.get(client, "/logistics").body)
            let toShip = Self.section(html, "To ship")
            let inTransit = Self.section(html, "In transit")
            let returns = Self.section(html, "Returns expected")
            func rows(_ section: String) -> [String] {
                section.components(separatedBy: "<tr").dropFirst(2).compactMap { row in
                    row.range(of: "RMA-2026-\\d{6}", options: .regularExpression).map { String(row[$0]) }
                }
            }
            // Each RMA in exactly the list its state puts it in, ordered by that list's deadline.
            #expect(rows(toShip) == [lateToShip.text, received.text])
            #expect(rows(inTransit) == [shipped.text])
            #expect(rows(returns) == [overdueReturn.text, awaitingReturn.text])
            // Late ones are marked, in words as well as colour; the others say how long is left.
            let lateRow = toShip.components(separatedBy: "<tr").first { $0.contains(lateToShip.text) } ?? ""
            #expect(lateRow.contains(" class=\"late\"><td data-label=\"RMA\">") && lateRow.contains(" late</span>"))
            let receivedRow = toShip.components(separatedBy: "<tr").first { $0.contains(received.text) } ?? ""
            #expect(!receivedRow.contains(" class=\"late\"") && receivedRow.contains(">in "))
            let overdueRow = returns.components(separatedBy: "<tr").first { $0.contains(overdueReturn.text) } ?? ""
            #expect(overdueRow.contains(" class=\"late\"><td data-label=\"RMA\">") && overdueRow.contains("overdue, "))
            let awaitingRow = returns.components(separatedBy: "<tr").first { $0.contains(awaitingReturn.text) } ?? ""
            #expect(awaitingRow.contains("no deadline: replaced after receipt"))
            // An approved, never shipped RMA is not called a late return anywhere: its page says it is late to ship.
            #expect(!returns.contains(lateToShip.text) && !inTransit.contains(lateToShip.text))
            let latePage = String(buffer: try await browser.get(client, "/rmas/\(lateToShip)").body)
            #expect(latePage.contains("<strong class=\"bad\">late to ship</strong>") && !latePage.contains("return overdue"))
            let overduePage = String(buffer: try await browser.get(client, "/rmas/\(overdueReturn)").body)
            #expect(overduePage.contains("<strong class=\"bad\">return overdue</strong>"))
        }
    }
}
