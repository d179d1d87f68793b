import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

@Suite("Cases, diagnosis and RMAs")
struct WorkflowTests {
    // Monday 2026-11-23, 10:00 in New York.
    let monday = instant("2026-11-23T15:00:00Z")

    func hardwareCase(
        _ depot: TestDepot, customer: String, contact: String, serial: Serial, at: Instant,
        impact: Level = .high, urgency: Level = .medium
    ) throws -> CaseNumber {
        try depot.database.openCase(
            NewCase(
                customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: impact, urgency: urgency,
                title: "Unit does not boot"),
            at: at, actor: TestDepot.engineer)
    }

    @Test("a case stores its response and escalation deadlines, and its SLA state follows the response")
    func caseDeadlines() throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday)
        #expect(number == "CS-2026-000001")
        let detail = try depot.database.caseDetail(number, now: monday)
        // P2, premium-plus: response within 2 business hours; TAM after 1 business day (13 h in the Americas),
        // leadership after 5 business days.
        #expect(detail.priority == .p2 && detail.tier == .premiumPlus)
        #expect(detail.responseDue == instant("2026-11-23T17:00:00Z"))
        #expect(detail.escalations.map(\.target) == [.tam, .leadership])
        #expect(detail.escalations[0].at == instant("2026-11-24T15:00:00Z"))
        #expect(detail.slaState == .pending)
        #expect(try depot.database.caseDetail(number, now: instant("2026-11-23T17:00:01Z")).slaState == .breached)
        #expect(try depot.database.applianceStatus("ACME-1") == .suspect)
        try depot.database.advanceCase(number, .respond, at: instant("2026-11-23T16:59:00Z"), actor: TestDepot.engineer)
        #expect(try depot.database.caseDetail(number, now: instant("2026-11-30T00:00:00Z")).slaState == .met)
    }

    @Test("P1 only from a designated contact under an active contract")
    func p1Rules() throws {
        let depot = try TestDepot.withFleet()
        #expect(throws: DepotError.self) {
            try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday, urgency: .high)
        }
        let refusal = #expect(throws: DepotError.self) {
            try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday, urgency: .high)
        }
        #expect(refusal?.message.contains("dev@acme.example is not a designated contact") == true)
        // No active contract: refused even though... the contact is not designated either; and after the contract ends.
        let late = instant("2027-01-05T15:00:00Z")
        let expired = #expect(throws: DepotError.self) {
            try hardwareCase(depot, customer: "ACME", contact: "ops@acme.example", serial: "ACME-1", at: late, urgency: .high)
        }
        #expect(expired?.message.contains("has no active contract on 2027-01-05") == true)
        let ok = try hardwareCase(depot, customer: "ACME", contact: "ops@acme.example", serial: "ACME-1", at: monday, urgency: .high)
        #expect(try depot.database.caseDetail(ok, now: monday).priority == .p1)
        // Nothing was written by the refusals: the first case number went to the accepted case.
        #expect(ok == "CS-2026-000001")
    }

    @Test("a priority other than the suggestion needs a reason; a contact of another customer is refused")
    func priorityOverride() throws {
        let depot = try TestDepot.withFleet()
        var request = NewCase(
            customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low,
            title: "How do I reset?", priority: .p3)
        #expect(throws: DepotError.self) { try depot.database.openCase(request, at: monday, actor: TestDepot.engineer) }
        request.priorityReason = "customer board meeting"
        let number = try depot.database.openCase(request, at: monday, actor: TestDepot.engineer)
        let detail = try depot.database.caseDetail(number, now: monday)
        #expect(detail.priority == .p3 && detail.suggestedPriority == .p4 && detail.priorityReason == "customer board meeting")
        request.contact = "it@globex.example"
        #expect(throws: DepotError.refused(subject: "it@globex.example", reason: "is not a contact of customer \"ACME\"")) {
            try depot.database.openCase(request, at: monday, actor: TestDepot.engineer)
        }
    }

    @Test("a customer without an active contract gets no response SLA")
    func noContractNoSLA() throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "NOCON", contact: "it@nocon.example", serial: "NOCON-1", at: monday)
        let detail = try depot.database.caseDetail(number, now: monday)
        #expect(detail.responseDue == nil && detail.slaState == nil && detail.tier == nil)
        #expect(detail.escalations.map(\.target) == [.leadership])
    }

    @Test("closing needs the customer's confirming contact; illegal steps name the allowed ones")
    func caseClosing() throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "GLOBEX", contact: "it@globex.example", serial: "GLOBEX-1", at: monday)
        try depot.database.advanceCase(number, .resolve, at: monday.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(
            throws: DepotError.illegalTransition(subject: number.text, state: "resolved", action: "respond", allowed: ["reopen", "close"])
        ) {
            try depot.database.advanceCase(number, .respond, at: monday.adding(seconds: 120), actor: TestDepot.engineer)
        }
        #expect(throws: DepotError.self) {
            try depot.database.advanceCase(number, .close, at: monday.adding(seconds: 120), actor: TestDepot.engineer)
        }
        #expect(throws: DepotError.self) {
            try depot.database.advanceCase(
                number, .close, confirmedBy: "ops@acme.example", at: monday.adding(seconds: 120), actor: TestDepot.engineer)
        }
        try depot.database.advanceCase(
            number, .close, confirmedBy: "IT@globex.example", at: monday.adding(seconds: 120), actor: TestDepot.engineer)
        let detail = try depot.database.caseDetail(number, now: monday)
        #expect(detail.status == .closed && detail.closedConfirmedBy == "it@globex.example")
        #expect(detail.timeline.map(\.kind) == ["opened", "resolved", "closed"])
    }

    @Test("advance replacement end to end: verdict, allocate, ship, deliver, return, receive, close")
    func advanceReplacement() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday)
        let outcome = try db.diagnose(
            serial: "acme-1", caseNumber: number, verdict: .defective, note: "PSU dead", at: monday, actor: TestDepot.engineer)
        #expect(outcome.path == .advanceReplacement && outcome.rma == "RMA-2026-000001")
        #expect(outcome.shipBy == instant("2026-11-24T15:00:00Z"))  // one business day later
        let rma = try #require(outcome.rma)
        #expect(try db.applianceStatus("ACME-1") == .defective)
        #expect(
            throws: DepotError.illegalTransition(subject: rma.text, state: "approved", action: "ship", allowed: ["allocate", "cancel"])
        ) {
            try db.ship(rma: rma, carrier: "UPS", tracking: "1Z", at: monday, actor: TestDepot.logistics)
        }
        #expect(throws: DepotError.self) { try db.allocate(rma: rma, at: monday, actor: TestDepot.engineer) }  // wrong role
        let spare = try db.allocate(rma: rma, at: monday.adding(seconds: 600), actor: TestDepot.logistics)
        #expect(spare == "SPARE-US-1")  // same model, the depot in the site's region
        try db.ship(rma: rma, carrier: "UPS", tracking: "1Z999", at: instant("2026-11-23T20:00:00Z"), actor: TestDepot.logistics)
        let shipped = try db.unitDetail("SPARE-US-1")
        #expect(shipped.status == .inTransit && shipped.customer == "ACME" && shipped.site == "ACME-NYC" && shipped.replaces == "ACME-1")
        #expect(shipped.warrantyEnd.description == "2027-03-01" && shipped.replacementWarranty)  // the original's remainder > 90 days
        #expect(try db.unitDetail("ACME-1").replacedBy == "SPARE-US-1")
        try db.deliver(rma: rma, at: instant("2026-11-24T16:00:00Z"), actor: TestDepot.logistics)
        var detail = try db.rmaDetail(rma, now: instant("2026-11-24T16:00:00Z"))
        // Ten business days of 13 h = 130 business hours after Tuesday 11:00 New York: 10 h that day, Wednesday 13,
        // Thanksgiving closed, Friday 10 (California closed the day after), then 13 a day: 6 h into Wednesday 9 December.
        #expect(detail.returnDue == instant("2026-12-09T19:00:00Z"))
        #expect(!detail.overdue)
        #expect(try db.rmaDetail(rma, now: instant("2026-12-09T19:00:01Z")).overdue)
        try db.returnShip(rma: rma, carrier: "UPS", tracking: "1ZBACK", at: instant("2026-11-30T15:00:00Z"), actor: TestDepot.logistics)
        #expect(try db.applianceStatus("ACME-1") == .returnInTransit)
        try db.receive(rma: rma, at: instant("2026-12-02T15:00:00Z"), actor: TestDepot.logistics)
        #expect(throws: DepotError.illegalTransition(subject: rma.text, state: "return-received", action: "receive", allowed: ["close"])) {
            try db.receive(rma: rma, at: instant("2026-12-02T16:00:00Z"), actor: TestDepot.logistics)
        }
        try db.closeRMA(rma, at: instant("2026-12-02T17:00:00Z"), actor: TestDepot.logistics)
        detail = try db.rmaDetail(rma, now: instant("2026-12-10T00:00:00Z"))
        #expect(detail.state == .closed && !detail.overdue && detail.replacementSerial == "SPARE-US-1" && detail.allowedNext.isEmpty)
        #expect(
            detail.history?.map(\.to) == ["approved", "allocated", "shipped", "delivered", "return-shipped", "return-received", "closed"])
        try db.refurbish(serial: "ACME-1", at: instant("2026-12-03T17:00:00Z"), actor: TestDepot.logistics)
        let refurbished = try db.unitDetail("ACME-1")
        #expect(refurbished.status == .inStock && refurbished.depot == "D-US" && refurbished.customer == nil)
    }

    @Test("return then replace: the replacement cannot be allocated before the unit is received")
    func returnThenReplace() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try hardwareCase(depot, customer: "GLOBEX", contact: "it@globex.example", serial: "GLOBEX-1", at: monday)
        let outcome = try db.diagnose(
            serial: "GLOBEX-1", caseNumber: number, verdict: .defective, note: "fan noise", at: monday, actor: TestDepot.engineer)
        let rma = try #require(outcome.rma)
        #expect(outcome.path == .returnThenReplace && outcome.shipBy == nil)
        #expect(
            throws: DepotError.illegalTransition(
                subject: rma.text, state: "awaiting-return", action: "allocate", allowed: ["return-ship", "receive", "cancel"])
        ) {
            try db.allocate(rma: rma, at: monday, actor: TestDepot.logistics)
        }
        try db.returnShip(rma: rma, at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        #expect(try db.rmaDetail(rma, now: monday).state == .awaitingReturn)
        // Received Monday 2026-11-30 09:00 London: ships within 10 business days of 10 h.
        try db.receive(rma: rma, at: instant("2026-11-30T09:00:00Z"), actor: TestDepot.logistics)
        #expect(try db.rmaDetail(rma, now: monday).shipBy == instant("2026-12-14T09:00:00Z"))
        #expect(try db.allocate(rma: rma, at: instant("2026-11-30T10:00:00Z"), actor: TestDepot.logistics) == "SPARE-EU-1")
        try db.ship(rma: rma, carrier: "DHL", tracking: "JD1", at: instant("2026-12-01T10:00:00Z"), actor: TestDepot.logistics)
        try db.deliver(rma: rma, at: instant("2026-12-02T10:00:00Z"), actor: TestDepot.logistics)
        try db.closeRMA(rma, at: instant("2026-12-02T11:00:00Z"), actor: TestDepot.logistics)
        #expect(try db.rmaDetail(rma, now: monday).state == .closed)
    }

    @Test("out of warranty on a standard contract: a sales referral, closed by the account manager with an outcome")
    func salesReferral() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try hardwareCase(depot, customer: "GLOBEX", contact: "it@globex.example", serial: "GLOBEX-OLD", at: monday)
        let outcome = try db.diagnose(
            serial: "GLOBEX-OLD", caseNumber: number, verdict: .defective, note: "dead", at: monday, actor: TestDepot.engineer)
        let rma = try #require(outcome.rma)
        #expect(outcome.path == .salesReferral)
        #expect(throws: DepotError.self) { try db.closeRMA(rma, at: monday, actor: TestDepot.accountManager) }  // no outcome
        #expect(throws: DepotError.self) { try db.closeRMA(rma, outcome: .purchased, at: monday, actor: TestDepot.logistics) }  // role
        try db.closeRMA(rma, outcome: .purchased, at: monday, actor: TestDepot.accountManager)
        #expect(try db.rmaDetail(rma, now: monday).outcome == "purchased")
        let queued = try db.pendingNotifications()
        #expect(queued.contains { $0.event == "sales-referral" && $0.target == "account-manager" && $0.subject == rma.text })
    }

    @Test("allocation falls back to the successor model and to another region's depot")
    func successorAllocation() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // INITECH-1 is a DX-200 on a premium contract: advance replacement; the only DX-200 spare is in Europe.
        let number = try hardwareCase(depot, customer: "INITECH", contact: "it@initech.example", serial: "INITECH-1", at: monday)
        let rma = try #require(
            try db.diagnose(serial: "INITECH-1", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer)
                .rma)
        #expect(try db.allocate(rma: rma, at: monday, actor: TestDepot.logistics) == "SPARE-EU-2")
        try db.cancelRMA(rma, reason: "customer fixed it", at: monday.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(try db.applianceStatus("SPARE-EU-2") == .inStock)
        // A DX-100 unit may take a DX-200 (its successor) when no DX-100 is in stock.
        let acme = try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday)
        let acmeRMA = try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: acme, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer).rma)
        #expect(throws: DepotError.self) { try db.allocate(rma: acmeRMA, serial: "GLOBEX-1", at: monday, actor: TestDepot.logistics) }
        try db.scrap(serial: "SPARE-US-1", at: monday, actor: TestDepot.logistics)
        try db.scrap(serial: "SPARE-EU-1", at: monday, actor: TestDepot.logistics)
        // Not dated before the spare came back from the cancelled RMA.
        #expect(try db.allocate(rma: acmeRMA, at: monday.adding(seconds: 120), actor: TestDepot.logistics) == "SPARE-EU-2")
    }

    @Test("not-defective returns the unit to service; only a support engineer (or admin) diagnoses")
    func notDefective() throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "GLOBEX", contact: "it@globex.example", serial: "GLOBEX-1", at: monday)
        #expect(throws: DepotError.self) {
            try depot.database.diagnose(
                serial: "GLOBEX-1", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.logistics)
        }
        let outcome = try depot.database.diagnose(
            serial: "GLOBEX-1", caseNumber: number, verdict: .notDefective, note: "cable", at: monday,
            actor: TestDepot.engineer)
        #expect(outcome.rma == nil && outcome.unitStatus == .inService)
        #expect(try depot.database.applianceStatus("GLOBEX-1") == .inService)
    }

    @Test("escalations fire once per case and target, even when run twice or concurrently")
    func escalationsFireOnce() async throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday)
        #expect(try depot.database.escalate(at: monday, actor: .system).isEmpty)
        let later = instant("2026-11-24T15:00:00Z")
        let database = depot.database
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try database.escalate(at: later, actor: .system).count } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.reduce(0, +) == 1)  // the TAM escalation, once
        #expect(try depot.database.escalate(at: later, actor: .system).isEmpty)
        let detail = try depot.database.caseDetail(number, now: later)
        #expect(detail.escalations.filter(\.fired).map(\.target) == [.tam])
        #expect(
            try depot.database.pendingNotifications().filter { $0.event == "escalation" }.map(\.key) == ["escalation:\(number):tam@tam"])
        // A resolved case does not escalate.
        try depot.database.advanceCase(number, .resolve, at: later, actor: TestDepot.engineer)
        #expect(try depot.database.escalate(at: instant("2027-01-01T00:00:00Z"), actor: .system).isEmpty)
    }

    @Test("every change is audited, and the audit log refuses updates and deletes")
    func auditIsAppendOnly() throws {
        let depot = try TestDepot.withFleet()
        let number = try hardwareCase(depot, customer: "ACME", contact: "dev@acme.example", serial: "ACME-1", at: monday)
        let entries = try depot.database.auditEntries(entity: "case", key: number.text)
        #expect(entries.map(\.action) == ["open"] && entries[0].user == "sam" && entries[0].role == "support-engineer")
        #expect(entries[0].at == monday)
        #expect(throws: (any Error).self) { try depot.outside { db in try db.execute("UPDATE audit SET \"user\" = 'mallory'") } }
        #expect(throws: (any Error).self) { try depot.outside { db in try db.execute("DELETE FROM audit") } }
        if depot.database.isPostgres {
            #expect(throws: (any Error).self) { try depot.outside { db in try db.execute("TRUNCATE audit") } }
        }
        #expect(try depot.database.auditEntries(entity: "case", key: number.text).map(\.user) == ["sam"])
    }
}
