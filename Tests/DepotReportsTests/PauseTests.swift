import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// Waiting on the customer (SPEC.md 3): the escalation clocks stop, the response clock does not. GLOBEX is a
/// standard customer in EMEA (London, 08:00-18:00, a business day of 10 hours, English holidays; UTC in winter);
/// ACME is premium-plus in the Americas (13 business hours a day).
@Suite("Waiting on the customer")
struct PauseTests {
    func open(_ depot: TestDepot, _ customer: String, impact: Level, urgency: Level, at: String) throws -> CaseNumber {
        let contact = customer == "GLOBEX" ? "it@globex.example" : "dev@acme.example"
        return try depot.database.openCase(
            NewCase(customer: customer, contact: contact, type: .question, impact: impact, urgency: urgency, title: "Waiting test"),
            at: instant(at), actor: TestDepot.engineer)
    }

    func due(_ depot: TestDepot, _ number: CaseNumber, _ target: EscalationTarget, now: String = "2026-12-01T00:00:00Z") throws
        -> CaseDetail.Escalation
    {
        try #require(try depot.database.caseDetail(number, now: instant(now)).escalations.first { $0.target == target })
    }

    @Test("a wait across a weekend and two holidays moves a business deadline by the business time waited, and holds it meanwhile")
    func weekendAndHolidays() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // P2 standard: leadership after 7 business days (70 h) from Monday 14 December 10:00 -> Wednesday 23 December 10:00.
        let number = try open(depot, "GLOBEX", impact: .high, urgency: .medium, at: "2026-12-14T10:00:00Z")
        #expect(try due(depot, number, .leadership).at == instant("2026-12-23T10:00:00Z"))
        let responseDue = try db.caseDetail(number, now: instant("2026-12-14T10:00:00Z")).responseDue
        // Waiting from Friday 18 December 16:00 to Tuesday 29 December 10:00: 2 + 4 x 10 + 2 = 44 business hours
        // (Christmas Day and the Boxing Day holiday on Monday 28 December are closed, as is the weekend).
        try db.advanceCase(number, .wait, note: "logs from the customer", at: instant("2026-12-18T16:00:00Z"), actor: TestDepot.engineer)
        let waiting = try db.caseDetail(number, now: instant("2026-12-24T00:00:00Z"))
        #expect(waiting.status == .waitingOnCustomer && waiting.escalations.first?.held == true)
        // The original deadline passes while waiting: nothing fires.
        #expect(try db.escalate(at: instant("2026-12-28T12:00:00Z"), actor: .system).isEmpty)
        try db.advanceCase(number, .resume, at: instant("2026-12-29T10:00:00Z"), actor: TestDepot.engineer)
        // 24 business hours were left: Tuesday 8, Wednesday 10, Thursday 6 -> Thursday 31 December 14:00.
        let moved = try due(depot, number, .leadership)
        #expect(moved.at == instant("2026-12-31T14:00:00Z") && moved.originalAt == instant("2026-12-23T10:00:00Z") && !moved.held)
        let detail = try db.caseDetail(number, now: instant("2026-12-29T10:00:00Z"))
        #expect(detail.status == .open && detail.responseDue == responseDue)  // the response clock never pauses
        #expect(detail.pausedSeconds == 10 * 86_400 + 18 * 3600)
        #expect(detail.pauses.map(\.reason) == ["logs from the customer"])
        #expect(detail.timeline.map(\.kind) == ["opened", "waiting", "resumed"])
        #expect(detail.timeline.last?.note?.contains("leadership due 2026-12-31T14:00:00Z (was 2026-12-23T10:00:00Z)") == true)
        #expect(try db.escalate(at: instant("2026-12-31T13:59:59Z"), actor: .system).isEmpty)
        #expect(try db.escalate(at: instant("2026-12-31T14:00:00Z"), actor: .system).map(\.caseNumber) == [number.text])
    }

    @Test("two waits add up; a responded case resumes as responded")
    func twoWaits() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try open(depot, "GLOBEX", impact: .high, urgency: .medium, at: "2026-12-14T10:00:00Z")
        try db.advanceCase(number, .respond, at: instant("2026-12-14T11:00:00Z"), actor: TestDepot.engineer)
        // Tuesday 10:00-12:00 (2 business hours), then Wednesday 14:00 to Thursday 10:00 (4 + 2).
        try db.advanceCase(number, .wait, note: "a photo", at: instant("2026-12-15T10:00:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .resume, at: instant("2026-12-15T12:00:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .wait, note: "a call back", at: instant("2026-12-16T14:00:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .resume, at: instant("2026-12-17T10:00:00Z"), actor: TestDepot.engineer)
        #expect(try due(depot, number, .leadership).at == instant("2026-12-23T18:00:00Z"))  // 8 business hours later
        let detail = try db.caseDetail(number, now: instant("2026-12-18T00:00:00Z"))
        #expect(detail.status == .responded && detail.pausedSeconds == 22 * 3600 && detail.pauses.count == 2)
        // The reports see it: 22 hours waited; the deadline as moved, and held while a wait runs on the as-of day.
        #expect(try reportRow(depot, "sla-compliance", asOf: "2026-12-18", case: number)[9...] == ["22.00", ""])
        #expect(try reportRow(depot, "escalations", asOf: "2026-12-14", case: number)[7...9] == ["2026-12-23T10:00:00Z", "", "pending"])
        #expect(try reportRow(depot, "escalations", asOf: "2026-12-15", case: number)[7...9] == ["2026-12-23T12:00:00Z", "", "pending"])
        #expect(try reportRow(depot, "escalations", asOf: "2026-12-16", case: number)[7...9] == ["2026-12-23T12:00:00Z", "", "held"])
        #expect(try reportRow(depot, "escalations", asOf: "2026-12-24", case: number)[7...9] == ["2026-12-23T18:00:00Z", "", "due"])
    }

    @Test("a wait after an escalation fired moves only the pending one; the fired one stays fired")
    func afterFiring() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // ACME, P2 premium-plus, Monday 7 December 10:00 New York: TAM after 1 business day (Tuesday 15:00 UTC),
        // leadership after 5 business days (Monday 14 December 15:00 UTC).
        let number = try open(depot, "ACME", impact: .high, urgency: .medium, at: "2026-12-07T15:00:00Z")
        #expect(try due(depot, number, .tam).at == instant("2026-12-08T15:00:00Z"))
        #expect(try due(depot, number, .leadership).at == instant("2026-12-14T15:00:00Z"))
        #expect(try db.escalate(at: instant("2026-12-08T16:00:00Z"), actor: .system).map(\.target) == [.tam])
        // Waiting all of Wednesday's business day (13 hours, 08:00 New York to 18:00 San Francisco).
        try db.advanceCase(number, .wait, note: "access to the site", at: instant("2026-12-09T13:00:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .resume, at: instant("2026-12-10T13:00:00Z"), actor: TestDepot.engineer)
        let tam = try due(depot, number, .tam)
        #expect(tam.fired && tam.at == instant("2026-12-08T15:00:00Z") && tam.firedAt == instant("2026-12-08T16:00:00Z"))
        #expect(try due(depot, number, .leadership).at == instant("2026-12-15T15:00:00Z"))
        #expect(try db.escalate(at: instant("2026-12-20T00:00:00Z"), actor: .system).map(\.target) == [.leadership])
    }

    @Test("a wall-clock threshold moves by the wall-clock time waited, weekend and holidays included")
    func wallClock() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // P4 standard: leadership after 30 days.
        let number = try open(depot, "GLOBEX", impact: .low, urgency: .low, at: "2026-12-14T10:00:00Z")
        #expect(try due(depot, number, .leadership).at == instant("2027-01-13T10:00:00Z"))
        try db.advanceCase(number, .wait, note: "logs", at: instant("2026-12-18T16:00:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .resume, at: instant("2026-12-29T10:00:00Z"), actor: TestDepot.engineer)
        #expect(try due(depot, number, .leadership).at == instant("2027-01-24T04:00:00Z"))  // 10 days 18 hours later
    }

    @Test("wait needs a reason and an unresolved case; resume only a waiting one, not before the wait; resolving ends a wait")
    func rules() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try open(depot, "GLOBEX", impact: .high, urgency: .medium, at: "2026-12-14T10:00:00Z")
        #expect(throws: DepotError.self) {
            try db.advanceCase(number, .wait, note: "  ", at: instant("2026-12-14T11:00:00Z"), actor: TestDepot.engineer)
        }
        #expect(
            throws: DepotError.illegalTransition(
                subject: number.text, state: "open", action: "resume", allowed: ["respond", "workaround", "wait", "resolve", "close"])
        ) {
            try db.advanceCase(number, .resume, at: instant("2026-12-14T11:00:00Z"), actor: TestDepot.engineer)
        }
        try db.advanceCase(number, .wait, note: "logs", at: instant("2026-12-15T10:00:00Z"), actor: TestDepot.engineer)
        #expect(throws: DepotError.self) {
            try db.advanceCase(number, .resume, at: instant("2026-12-15T09:00:00Z"), actor: TestDepot.engineer)
        }
        #expect(throws: DepotError.self) {
            try db.advanceCase(number, .wait, note: "again", at: instant("2026-12-15T11:00:00Z"), actor: TestDepot.engineer)
        }
        // A first response while waiting is recorded (the response clock runs) and the case keeps waiting.
        try db.advanceCase(number, .respond, at: instant("2026-12-15T11:00:00Z"), actor: TestDepot.engineer)
        #expect(try db.caseDetail(number, now: instant("2026-12-15T11:00:00Z")).status == .waitingOnCustomer)
        try db.advanceCase(number, .resolve, at: instant("2026-12-16T10:00:00Z"), actor: TestDepot.engineer)
        let detail = try db.caseDetail(number, now: instant("2026-12-20T00:00:00Z"))
        #expect(detail.status == .resolved && detail.pauses.first?.end == instant("2026-12-16T10:00:00Z") && detail.pausedSeconds == 86_400)
        #expect(throws: DepotError.self) {
            try db.advanceCase(number, .wait, note: "x", at: instant("2026-12-17T10:00:00Z"), actor: TestDepot.accountManager)
        }
    }

    @Test("recompute applies a changed policy to unresolved cases, waits left out, and audits each change; fired escalations stay")
    func recompute() throws {
        let depot = try TestDepot.withFleet()
        let number = try open(depot, "GLOBEX", impact: .high, urgency: .medium, at: "2026-12-14T10:00:00Z")
        try depot.database.advanceCase(number, .wait, note: "logs", at: instant("2026-12-15T10:00:00Z"), actor: TestDepot.engineer)
        try depot.database.advanceCase(number, .resume, at: instant("2026-12-15T12:00:00Z"), actor: TestDepot.engineer)
        // Already right.
        #expect(try depot.database.recomputeDeadlines(nil, at: instant("2026-12-15T13:00:00Z"), actor: TestDepot.admin).isEmpty)

        // The new policy: leadership after 5 business days at P2 standard, and a TAM rule for standard customers.
        let yaml =
            defaultPolicyYAML
            .replacingOccurrences(of: "P2: {standard: 7 business-days", with: "P2: {standard: 5 business-days")
            .replacingOccurrences(of: "P2: {premium-plus: 1 business-day}", with: "P2: {standard: 2 days, premium-plus: 1 business-day}")
        #expect(yaml != defaultPolicyYAML)
        let changed = try PolicyLoader.load(yaml: yaml, file: "changed.yaml") { path in
            throw DepotError.unreadableFile(path: path, reason: "none")
        }
        let reopened = try depot.reopen(policy: changed)
        let changes = try reopened.recomputeDeadlines(nil, at: instant("2026-12-15T13:00:00Z"), actor: TestDepot.admin)
        // 50 business hours from Monday 10:00 plus the 2 waited: Monday 8, Tuesday to Friday 40, Monday 21 December 4 -> 12:00.
        #expect(
            changes == [
                DeadlineChange(
                    caseNumber: number.text, deadline: "escalation leadership", was: instant("2026-12-23T12:00:00Z"),
                    now: instant("2026-12-21T12:00:00Z")),
                DeadlineChange(caseNumber: number.text, deadline: "escalation tam", was: nil, now: instant("2026-12-16T12:00:00Z")),
            ])
        #expect(
            try reopened.auditEntries(entity: "case", key: number.text, user: nil, limit: 10).filter { $0.action == "recompute" }.count == 2
        )
        #expect(try reopened.caseDetail(number, now: instant("2026-12-15T13:00:00Z")).timeline.last?.kind == "recomputed")
        #expect(try reopened.recomputeDeadlines(number, at: instant("2026-12-15T14:00:00Z"), actor: TestDepot.admin).isEmpty)
        #expect(throws: DepotError.self) {
            try reopened.recomputeDeadlines(nil, at: instant("2026-12-15T14:00:00Z"), actor: TestDepot.accountManager)
        }
    }

    func reportRow(_ depot: TestDepot, _ name: String, asOf: String, case number: CaseNumber) throws -> [String] {
        let table = try depot.database.table(
            try ReportCatalog.named(name), parameters: ReportParameters(asOf: LocalDate(iso: asOf)!), limit: 1000)
        return try #require(table.rows.first { $0.first == number.text })
    }
}
