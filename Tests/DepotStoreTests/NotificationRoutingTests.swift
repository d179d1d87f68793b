import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// The policy's `notifications` section and the overdue-return announcements.
@Suite("Notification routing and overdue returns")
struct NotificationRoutingTests {
    let monday = instant("2026-11-23T15:00:00Z")

    func policy(_ notifications: String) throws -> Policy {
        try PolicyLoader.load(yaml: "notifications:\n" + notifications, file: "routes.yaml", defaults: .builtInDefault()) { path in
            throw DepotError.unreadableFile(path: path, reason: "none")
        }
    }

    /// An advance replacement for ACME-1, shipped Monday evening and delivered Tuesday (return due 9 December, 19:00 UTC).
    func deliveredAdvanceReplacement(_ depot: TestDepot) throws -> RMANumber {
        let db = depot.database
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Unit does not boot"),
            at: monday, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU dead", at: monday,
                actor: TestDepot.engineer
            ).rma)
        try db.allocate(rma: rma, at: monday, actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1Z999", at: instant("2026-11-23T20:00:00Z"), actor: TestDepot.logistics)
        try db.deliver(rma: rma, at: instant("2026-11-24T16:00:00Z"), actor: TestDepot.logistics)
        return rma
    }

    @Test("the default routes: an approved RMA and a shipped replacement to logistics, each once")
    func defaults() throws {
        let depot = try TestDepot.withFleet()
        let rma = try deliveredAdvanceReplacement(depot)
        let queued = try depot.database.pendingNotifications()
        #expect(queued.map(\.event) == ["rma-approved", "replacement-shipped"])
        #expect(queued.map(\.target) == ["logistics", "logistics"])
        #expect(queued.map(\.key) == ["rma-approved:\(rma)@logistics", "replacement-shipped:\(rma)@logistics"])
    }

    @Test("a policy routes an event to several targets (one notification and key each) and silences another with []")
    func configured() throws {
        let routes = try policy(
            """
              rma-approved: []
              replacement-shipped: [logistics, account-manager, logistics]
              escalation-tam: leadership
            """)
        #expect(routes.notifications.targets(of: .replacementShipped) == [.logistics, .accountManager])
        #expect(routes.notifications.targets(of: .salesReferral) == [.accountManager])  // left out: the default
        let depot = try TestDepot.withFleet(policy: routes)
        let rma = try deliveredAdvanceReplacement(depot)
        let queued = try depot.database.pendingNotifications()
        #expect(queued.map(\.event) == ["replacement-shipped", "replacement-shipped"])
        #expect(queued.map(\.target) == ["logistics", "account-manager"])
        #expect(Set(queued.map(\.key)).count == 2 && queued.allSatisfy { $0.subject == rma.text })
        // ACME is premium-plus: its TAM rule fires after one business day, and goes to leadership under this policy.
        let fired = try depot.database.escalate(at: instant("2026-11-24T15:00:00Z"), actor: .system)
        #expect(fired.map(\.target) == [.tam])
        #expect(try depot.database.pendingNotifications().filter { $0.event == "escalation" }.map(\.target) == ["leadership"])
    }

    @Test("a policy naming an unknown event or target is refused with the path and line")
    func invalid() {
        #expect {
            try policy("  replacement-shipped: [logistics, sales]\n")
        } throws: { error in
            guard case .invalidPolicy(let problems) = error as? DepotError else { return false }
            return problems.map(\.description) == [
                #"routes.yaml:2: notifications.replacement-shipped: unknown target "sales" (known: leadership, tam, account-manager, logistics, professional-services, on-call, contacts)"#
            ]
        }
        #expect(throws: DepotError.self) { try policy("  rma-shipped: [logistics]\n") }
        // The policy writer prints the section, and it loads back the same.
        let text = PolicyWriter.yaml(.builtInDefault())
        #expect(text.contains("notifications:\n  escalation-leadership: [leadership]\n"))
    }

    @Test("an overdue return is announced to logistics once per deadline, and not before the deadline or after receipt")
    func overdueReturns() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let rma = try deliveredAdvanceReplacement(depot)
        #expect(try db.notifyOverdueReturns(at: instant("2026-12-09T19:00:00Z"), actor: .system).isEmpty)  // due, not yet overdue
        let announced = try db.notifyOverdueReturns(at: instant("2026-12-09T19:00:01Z"), actor: .system)
        #expect(announced.map(\.rma) == [rma.text] && announced.map(\.serial) == ["ACME-1"] && announced.map(\.customer) == ["ACME"])
        #expect(try db.notifyOverdueReturns(at: instant("2026-12-10T19:00:00Z"), actor: .system).isEmpty)  // once
        let overdue = try db.pendingNotifications().filter { $0.event == "return-overdue" }
        #expect(overdue.map(\.target) == ["logistics"])
        #expect(overdue.map(\.key) == ["return-overdue:\(rma):2026-12-09T19:00:00Z@logistics"])
        #expect(throws: DepotError.self) { try db.notifyOverdueReturns(at: monday, actor: TestDepot.accountManager) }  // role

        // Returned late: nothing more is announced for it.
        try db.returnShip(rma: rma, carrier: "UPS", tracking: "1ZBACK", at: instant("2026-12-10T15:00:00Z"), actor: TestDepot.logistics)
        try db.receive(rma: rma, at: instant("2026-12-11T15:00:00Z"), actor: TestDepot.logistics)
        #expect(try db.notifyOverdueReturns(at: instant("2026-12-31T00:00:00Z"), actor: .system).isEmpty)
    }

    @Test("a silenced return-overdue queues nothing")
    func silenced() throws {
        let depot = try TestDepot.withFleet(policy: try policy("  return-overdue: []\n"))
        _ = try deliveredAdvanceReplacement(depot)
        #expect(try depot.database.notifyOverdueReturns(at: instant("2026-12-10T00:00:00Z"), actor: .system).isEmpty)
        #expect(try depot.database.pendingNotifications().filter { $0.event == "return-overdue" }.isEmpty)
    }
}
