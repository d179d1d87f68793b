import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// SPEC.md 3: a case has an owner; its priority can be changed later with a reason (deadlines recomputed from the
/// opening); a customer may ask for an escalation at any time, and leadership is told at once.
@Suite("Case ownership, priority changes and customer escalations")
struct OwnershipTests {
    static let monday = instant("2026-11-23T10:00:00Z")

    static func withEngineers() throws -> TestDepot {
        let depot = try TestDepot.withFleet(now: instant("2026-11-23T12:00:00Z"))
        for (name, role) in [("alice", Role.supportEngineer), ("bob", .supportEngineer), ("al", .supportEngineer), ("lou", .logistics)] {
            try depot.database.addUser(name: name, role: role, passwordHash: "x", tokenHash: name, at: monday, actor: TestDepot.admin)
        }
        return depot
    }

    static func open(
        _ depot: TestDepot, _ customer: String = "GLOBEX", contact: String = "it@globex.example", impact: Level = .medium,
        at: Instant = monday
    )
        throws -> CaseNumber
    {
        try depot.database.openCase(
            NewCase(customer: customer, contact: contact, type: .question, impact: impact, urgency: .medium, title: "Slow UI"), at: at,
            actor: TestDepot.engineer)
    }

    @Test("take, assign, refusals; a name that is a prefix of another is not it; the queues sort by time left")
    func owners() throws {
        let depot = try Self.withEngineers()
        let db = depot.database
        let first = try Self.open(depot)
        let second = try Self.open(depot, impact: .high)  // P2: due sooner
        let alice = ActingUser(user: "alice", role: .supportEngineer)
        let bob = ActingUser(user: "bob", role: .supportEngineer)
        let at = Self.monday.adding(seconds: 600)
        #expect(try db.assignCase(first, to: "alice", onlyIfFree: true, at: at, actor: alice).changed)
        #expect(
            throws: DepotError.refused(subject: first.text, reason: "is taken by alice; ask them, or assign it with depot case assign --to")
        ) {
            try db.assignCase(first, to: "bob", onlyIfFree: true, at: at, actor: bob)
        }
        // Taking one's own case again changes nothing and records nothing.
        let events = try db.caseDetail(first, now: at).timeline.count
        #expect(try db.assignCase(first, to: "alice", onlyIfFree: true, at: at, actor: alice).changed == false)
        #expect(try db.caseDetail(first, now: at).timeline.count == events)
        let handed = try db.assignCase(first, to: "bob", at: at, actor: alice)
        #expect(handed.caseNumber == first.text && handed.owner == "bob" && handed.was == "alice" && handed.changed)
        #expect(
            try db.caseDetail(first, now: at).timeline.suffix(2).map { "\($0.kind) \($0.note ?? "")" } == [
                "taken to alice", "assigned to bob (was alice)",
            ])
        #expect(throws: DepotError.refused(subject: "lou", reason: "is logistics: only a support engineer or an admin can own a case")) {
            try db.assignCase(first, to: "lou", at: at, actor: alice)
        }
        #expect(throws: DepotError.notFound(kind: "user", key: "ali")) { try db.assignCase(first, to: "ali", at: at, actor: alice) }
        #expect(throws: DepotError.self) { try db.assignCase(first, to: "bob", at: at, actor: TestDepot.logistics) }
        // Queues: bob's (first only), the unassigned (second); "al" is a prefix of "alice" and owns nothing.
        #expect(try db.cases(CaseFilter(owner: "bob"), now: at, byTimeLeft: true).map(\.number) == [first])
        #expect(try db.cases(CaseFilter(owner: "al"), now: at, byTimeLeft: true).isEmpty)
        var unassigned = CaseFilter(unresolvedOnly: true)
        unassigned.unassigned = true
        #expect(try db.cases(unassigned, now: at, byTimeLeft: true).map(\.number) == [second])
        _ = try db.assignCase(second, to: "bob", at: at, actor: bob)
        // By time left: second (P2, 4 business hours) before first (P3, 1 business day); a resolved case leaves the queue.
        var bobs = CaseFilter(unresolvedOnly: true)
        bobs.owner = "bob"
        #expect(try db.cases(bobs, now: at, byTimeLeft: true).map(\.number) == [second, first])
        try db.advanceCase(second, .resolve, at: at.adding(seconds: 60), actor: bob)
        #expect(try db.cases(bobs, now: at, byTimeLeft: true).map(\.number) == [first])
        try db.advanceCase(second, .close, confirmedBy: "it@globex.example", at: at.adding(seconds: 120), actor: bob)
        #expect(throws: DepotError.refused(subject: second.text, reason: "is closed: it has no owner to change")) {
            try db.assignCase(second, to: "alice", at: at.adding(seconds: 180), actor: alice)
        }
        #expect(try db.caseDetail(first, now: at).owner == "bob")
        #expect(try db.invariantViolations() == [])
    }

    @Test("reopening names the customer's own contact who asked, when it names one")
    func reopenAskedBy() throws {
        let depot = try Self.withEngineers()
        let db = depot.database
        let number = try Self.open(depot)
        try db.advanceCase(number, .resolve, at: Self.monday.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(throws: DepotError.refused(subject: "ops@acme.example", reason: "is not a contact of this case's customer")) {
            try db.advanceCase(
                number, .reopen, confirmedBy: "ops@acme.example", at: Self.monday.adding(seconds: 120), actor: TestDepot.engineer)
        }
        #expect(throws: DepotError.notFound(kind: "contact", key: "nobody@nowhere.example")) {
            try db.advanceCase(
                number, .reopen, confirmedBy: "nobody@nowhere.example", at: Self.monday.adding(seconds: 120), actor: TestDepot.engineer)
        }
        // Blank is not "no one asked": it is refused, and the case stays resolved.
        for blank in ["", "  "] {
            #expect(
                throws: DepotError.invalidArgument(name: "--confirmed-by", value: "", reason: "blank: leave it out when no contact asked")
            ) {
                try db.advanceCase(number, .reopen, confirmedBy: blank, at: Self.monday.adding(seconds: 120), actor: TestDepot.engineer)
            }
        }
        #expect(try db.caseDetail(number, now: Self.monday).status == .resolved)
        try db.advanceCase(
            number, .reopen, confirmedBy: "IT@globex.example", at: Self.monday.adding(seconds: 120), actor: TestDepot.engineer)
        #expect(try db.caseDetail(number, now: Self.monday).timeline.last?.note?.contains("asked by it@globex.example") == true)
    }

    @Test("eight engineers take one case at once: exactly one gets it, one event and one audit entry")
    func takeRace() throws {
        let depot = try Self.withEngineers()
        let names = (1...8).map { "eng\($0)" }
        for name in names {
            try depot.database.addUser(
                name: name, role: .supportEngineer, passwordHash: "x", tokenHash: name, at: Self.monday, actor: TestDepot.admin)
        }
        let number = try Self.open(depot)
        let handles = try names.map { _ in try depot.reopen() }
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let actor = ActingUser(user: names[i], role: .supportEngineer)
            let result = Result {
                try handles[i].assignCase(number, to: names[i], onlyIfFree: true, at: Self.monday.adding(seconds: 60), actor: actor)
            }
            results.add(result.map(\.owner).mapError { $0 as? DepotError ?? .storage(path: "", message: "\($0)") })
        }
        let won = results.all.compactMap { try? $0.get() }
        #expect(won.count == 1)
        let detail = try depot.database.caseDetail(number, now: Self.monday.adding(seconds: 60))
        #expect(detail.owner == won.first)
        #expect(detail.timeline.filter { $0.kind == "taken" }.count == 1)
        #expect(
            try depot.database.auditEntries(entity: "case", key: number.text, user: nil, limit: 50).filter { $0.action == "take" }.count
                == 1)
    }

    @Test("a priority change needs a reason and recomputes the deadlines from the opening; a P1 needs a designated contact")
    func priority() throws {
        let depot = try Self.withEngineers()
        let db = depot.database
        // GLOBEX (London, standard): a P3 question opened Monday 10:00 is due in 1 business day, Tuesday 10:00.
        let number = try Self.open(depot)
        #expect(try db.caseDetail(number, now: Self.monday).responseDue == instant("2026-11-24T10:00:00Z"))
        let at = Self.monday.adding(seconds: 3600)
        #expect(throws: DepotError.self) { try db.changePriority(number, to: .p2, reason: "  ", at: at, actor: TestDepot.engineer) }
        #expect(throws: DepotError.refused(subject: number.text, reason: "is P3 already")) {
            try db.changePriority(number, to: .p3, reason: "same", at: at, actor: TestDepot.engineer)
        }
        let done = try db.changePriority(number, to: .p2, reason: "the whole site is affected", at: at, actor: TestDepot.engineer)
        #expect(done.was == .p3 && done.priority == .p2)
        // From the opening under P2: 4 business hours (Monday 14:00) and leadership after 7 business days (Wednesday week).
        let detail = try db.caseDetail(number, now: at)
        #expect(detail.priority == .p2 && detail.priorityReason == "the whole site is affected")
        #expect(detail.responseDue == instant("2026-11-23T14:00:00Z") && detail.responseThreshold == "4 business-hours")
        #expect(detail.escalations.map(\.at) == [instant("2026-12-02T10:00:00Z")])
        #expect(
            detail.timeline.last?.kind == "priority"
                && detail.timeline.last?.note?.hasPrefix("P3 -> P2: the whole site is affected; response") == true)
        // Once responded, the response deadline stays; escalations still follow.
        try db.advanceCase(number, .respond, at: at.adding(seconds: 60), actor: TestDepot.engineer)
        _ = try db.changePriority(number, to: .p4, reason: "a workaround exists", at: at.adding(seconds: 120), actor: TestDepot.engineer)
        let later = try db.caseDetail(number, now: at)
        #expect(later.responseDue == instant("2026-11-23T14:00:00Z"))
        #expect(later.escalations.map(\.threshold) == ["30 days"])
        // P1 only from a designated, certified contact: dev@acme.example is neither; ops@acme.example is both.
        let dev = try Self.open(depot, "ACME", contact: "dev@acme.example")
        #expect {
            try db.changePriority(dev, to: .p1, reason: "down", at: at, actor: TestDepot.engineer)
        } throws: { ($0 as? DepotError)?.message.contains("dev@acme.example is not a designated contact") == true }
        let ops = try Self.open(depot, "ACME", contact: "ops@acme.example")
        _ = try db.changePriority(ops, to: .p1, reason: "production down", at: at, actor: TestDepot.engineer)
        // premium-plus P1: 1 hour from when its clocks start, whatever the time of the change. ACME's region opens at
        // 08:00 in New York (13:00 UTC): opened at 05:00 there without a PIN, its clocks start then (SPEC.md 8).
        let p1 = try db.caseDetail(ops, now: at)
        #expect(p1.clocksFrom == instant("2026-11-23T13:00:00Z") && p1.responseDue == instant("2026-11-23T14:00:00Z"))
        try db.advanceCase(ops, .resolve, at: at.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(throws: DepotError.refused(subject: ops.text, reason: "is resolved: its priority and deadlines are final")) {
            try db.changePriority(ops, to: .p2, reason: "late", at: at.adding(seconds: 120), actor: TestDepot.engineer)
        }
        #expect(try db.invariantViolations() == [])
    }

    @Test("a customer's escalation is recorded with its contact and reason and tells leadership at once, each time")
    func customerEscalation() throws {
        let depot = try Self.withEngineers()
        let db = depot.database
        let number = try Self.open(depot)
        let at = Self.monday.adding(seconds: 1800)
        #expect(throws: DepotError.refused(subject: "ops@acme.example", reason: "is not a contact of this case's customer")) {
            try db.recordCustomerEscalation(number, requestedBy: "ops@acme.example", reason: "hurry", at: at, actor: TestDepot.engineer)
        }
        #expect(throws: DepotError.self) {
            try db.recordCustomerEscalation(number, requestedBy: "it@globex.example", reason: "", at: at, actor: TestDepot.engineer)
        }
        #expect(try db.pendingNotifications().isEmpty)
        let asked = try db.recordCustomerEscalation(
            number, requestedBy: "IT@globex.example", reason: "the CFO is waiting", at: at, actor: TestDepot.engineer)
        _ = try db.recordCustomerEscalation(
            number, requestedBy: "it@globex.example", reason: "still waiting", at: at.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(asked.requestedBy == "it@globex.example")
        #expect(
            try db.pendingNotifications().map { "\($0.event) \($0.target) \($0.subject)" } == [
                "customer-escalation leadership \(number)", "customer-escalation leadership \(number)",
            ])
        let detail = try db.caseDetail(number, now: at)
        #expect(detail.customerEscalations.map(\.reason) == ["the CFO is waiting", "still waiting"])
        #expect(detail.timeline.filter { $0.kind == "customer-escalation" }.count == 2)
        // A resolved case may still be escalated; a closed one not.
        try db.advanceCase(number, .resolve, at: at.adding(seconds: 120), actor: TestDepot.engineer)
        _ = try db.recordCustomerEscalation(
            number, requestedBy: "it@globex.example", reason: "not fixed", at: at.adding(seconds: 180), actor: TestDepot.engineer)
        try db.advanceCase(number, .close, confirmedBy: "it@globex.example", at: at.adding(seconds: 240), actor: TestDepot.engineer)
        #expect(throws: DepotError.self) {
            try db.recordCustomerEscalation(
                number, requestedBy: "it@globex.example", reason: "again", at: at.adding(seconds: 300), actor: TestDepot.engineer)
        }
        #expect(try db.invariantViolations() == [])
    }
}

/// Results gathered from several threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<String, DepotError>] = []

    func add(_ result: Result<String, DepotError>) { lock.withLock { results.append(result) } }
    var all: [Result<String, DepotError>] { lock.withLock { results } }
}
