import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// SPEC.md 8: premium and premium-plus support round the clock with the customer's PIN; without it a case opened while
/// the region is closed counts from the region's next opening; standard customers as SPEC.md 3 says.
@Suite("After-hours support with a PIN")
struct AfterHoursTests {
    /// Sunday 2026-11-29 02:00 in New York (ACME's region, americas, closed), 07:00 in London.
    static let sunday = instant("2026-11-29T07:00:00Z")
    /// A stand-in for the slow hash (the server's is bcrypt): the store only keeps and compares what it is given.
    static func hash(_ pin: String) -> String { "hashed:" + pin }
    static func verify(_ pin: String, _ hash: String) -> Bool { Self.hash(pin) == hash }

    static func open(_ depot: TestDepot, _ customer: String, _ contact: String, pin: String?, at: Instant = sunday) throws -> CaseDetail {
        var request = NewCase(
            customer: customer, contact: contact, type: .question, impact: .high, urgency: .high, title: "Production down")
        request.pin = try depot.database.checkPIN(customer: customer, pin: pin, verify: Self.verify)
        let number = try depot.database.openCase(request, at: at, actor: TestDepot.engineer)
        return try depot.database.caseDetail(number, now: at)
    }

    @Test("a premium-plus P1 at 02:00 on a Sunday: the right PIN runs on wall-clock time, a wrong or no PIN from Monday's opening")
    func workedExamples() throws {
        let depot = try TestDepot.withFleet(now: Self.sunday)
        let db = depot.database
        _ = try db.setCustomerPIN("ACME", hash: Self.hash("12345678"), rotate: false, at: Self.sunday, actor: TestDepot.accountManager)
        // The right PIN: 1 hour from now; the TAM's 1 business-day and leadership's 1 day in wall-clock time.
        let right = try Self.open(depot, "ACME", "ops@acme.example", pin: "12345678")
        #expect(right.afterHours && right.afterHoursOpening == .pin && right.clocksFrom == Self.sunday)
        #expect(right.responseDue == instant("2026-11-29T08:00:00Z") && right.responseThreshold == "1 hour")
        #expect(
            right.escalations.map { "\($0.target.rawValue) \($0.threshold) \($0.at)" } == [
                "leadership 1 day 2026-11-30T07:00:00Z", "tam 1 day 2026-11-30T07:00:00Z",
            ])
        #expect(try db.pendingNotifications().map { "\($0.event) \($0.target) \($0.subject)" } == ["after-hours on-call \(right.number)"])
        // A wrong PIN and none: recorded, as if opened Monday 08:00 in New York (13:00 UTC); the answer says why.
        let wrong = try Self.open(depot, "ACME", "ops@acme.example", pin: "87654321")
        let none = try Self.open(depot, "ACME", "ops@acme.example", pin: nil)
        for (detail, opening) in [(wrong, AfterHoursOpening.wrongPin), (none, .noPin)] {
            #expect(!detail.afterHours && detail.afterHoursOpening == opening && detail.clocksFrom == instant("2026-11-30T13:00:00Z"))
            #expect(detail.responseDue == instant("2026-11-30T14:00:00Z") && detail.openedAt == Self.sunday)
            #expect(detail.clockNote?.contains("next opening") == true)
        }
        #expect(try db.pendingNotifications().count == 1, "no on-call notification without a valid PIN")
        // A standard customer at the same instant: SPEC.md 3 unchanged (2 business hours from Monday 08:00 in London).
        let standard = try Self.open(depot, "GLOBEX", "it@globex.example", pin: "12345678")
        #expect(standard.afterHoursOpening == nil && !standard.afterHours && standard.clocksFrom == Self.sunday)
        #expect(standard.responseDue == instant("2026-11-30T10:00:00Z"))
        // During the region's hours a PIN changes nothing.
        depot.clock.set(instant("2026-11-30T15:00:00Z"))
        let monday = try Self.open(depot, "ACME", "ops@acme.example", pin: "12345678", at: instant("2026-11-30T15:00:00Z"))
        #expect(monday.afterHoursOpening == nil && monday.responseDue == instant("2026-11-30T16:00:00Z"))
        // The wrong PIN counted against ACME and is audited with its case; the right ones did not.
        let audit = try db.auditEntries(entity: "customer", key: "ACME", user: nil, limit: 20).map(\.action)
        #expect(audit.filter { $0 == "wrong-pin" }.count == 1 && audit.contains("set-pin"))
        // Recomputing keeps each case's clock.
        #expect(try db.recomputeDeadlines(nil, at: instant("2026-11-30T15:01:00Z"), actor: TestDepot.admin).isEmpty)
        #expect(try db.invariantViolations() == [])
    }

    @Test("wrong PINs are limited per customer: after five within 15 minutes even the right one is not checked, then it is again")
    func limit() throws {
        let depot = try TestDepot.withFleet(now: Self.sunday)
        let db = depot.database
        _ = try db.setCustomerPIN("ACME", hash: Self.hash("12345678"), rotate: false, at: Self.sunday, actor: TestDepot.admin)
        _ = try db.setCustomerPIN("INITECH", hash: Self.hash("12345678"), rotate: false, at: Self.sunday, actor: TestDepot.admin)
        for guess in 0..<5 {
            #expect(try Self.open(depot, "ACME", "ops@acme.example", pin: "0000000\(guess)").afterHoursOpening == .wrongPin)
            depot.clock.advance(seconds: 60)
        }
        #expect(try db.checkPIN(customer: "ACME", pin: "12345678", verify: Self.verify) == .limited)
        let limited = try Self.open(depot, "ACME", "ops@acme.example", pin: "12345678")
        #expect(limited.afterHoursOpening == .pinLimited && limited.clockNote?.contains("too many wrong PINs") == true)
        // Another customer's PINs are not limited by ACME's guesses (INITECH, apac: Sunday 18:00 in Sydney, closed).
        #expect(try Self.open(depot, "INITECH", "it@initech.example", pin: "12345678").afterHoursOpening == .pin)
        // Wrong PINs older than 15 minutes count no more: three are left in the window, the PIN is checked again.
        depot.clock.advance(seconds: 11 * 60)
        #expect(try db.checkPIN(customer: "ACME", pin: "12345678", verify: Self.verify) == .valid)
        // A right PIN checked before five wrong ones landed is still refused by the count in the case's transaction.
        for guess in 0..<2 { _ = try Self.open(depot, "ACME", "ops@acme.example", pin: "1111111\(guess)") }
        var request = NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .high, urgency: .high, title: "x")
        request.pin = .valid
        let number = try db.openCase(request, at: Self.sunday, actor: TestDepot.engineer)
        #expect(try db.caseDetail(number, now: Self.sunday).afterHoursOpening == .pinLimited)
    }

    @Test("waits before the clocks start move nothing; enhancements never run round the clock; recompute and rotation keep time's order")
    func edges() throws {
        let depot = try TestDepot.withFleet(now: Self.sunday)
        let db = depot.database
        _ = try db.setCustomerPIN("ACME", hash: Self.hash("12345678"), rotate: false, at: Self.sunday, actor: TestDepot.admin)
        // Opened Sunday without a PIN: clocks from Monday 13:00 UTC; a wait ending before then moves no deadline.
        let number = try Self.open(depot, "ACME", "ops@acme.example", pin: nil).number
        let before = try db.caseDetail(number, now: Self.sunday).escalations.map(\.at)
        depot.clock.set(Self.sunday.adding(seconds: 3600))
        try db.advanceCase(number, .wait, note: "logs", at: Self.sunday.adding(seconds: 600), actor: TestDepot.engineer)
        depot.clock.set(instant("2026-11-30T14:00:00Z"))
        try db.advanceCase(number, .resume, at: instant("2026-11-30T12:00:00Z"), actor: TestDepot.engineer)
        #expect(try db.caseDetail(number, now: depot.clock.now).escalations.map(\.at) == before)
        // A wait across the opening counts from the opening only, 13:00 to 14:00 UTC: leadership's 1 day (Tuesday 13:00)
        // moves an hour, the TAM's 1 business-day (Tuesday 02:00, the close of Monday's 13 open hours) an open hour.
        try db.advanceCase(number, .wait, note: "more logs", at: instant("2026-11-30T12:30:00Z"), actor: TestDepot.engineer)
        try db.advanceCase(number, .resume, at: instant("2026-11-30T14:00:00Z"), actor: TestDepot.engineer)
        let after = try db.caseDetail(number, now: depot.clock.now).escalations.map(\.at)
        #expect(before == [instant("2026-12-01T02:00:00Z"), instant("2026-12-01T13:00:00Z")])
        #expect(after == [instant("2026-12-01T14:00:00Z"), instant("2026-12-01T14:00:00Z")], "\(before) -> \(after)")
        #expect(try db.recomputeDeadlines(number, at: instant("2026-11-30T14:00:00Z"), actor: TestDepot.admin).isEmpty)
        // Recompute is dated no earlier than the case's last event.
        #expect(throws: DepotError.self) { try db.recomputeDeadlines(nil, at: instant("2026-11-30T13:59:00Z"), actor: TestDepot.admin) }
        // An enhancement promises no timeframe: a valid PIN at night pages nobody and marks nothing.
        var idea = NewCase(customer: "ACME", contact: "ops@acme.example", type: .enhancement, impact: .low, urgency: .low, title: "Idea")
        idea.pin = try db.checkPIN(customer: "ACME", pin: "12345678", verify: Self.verify)
        let enhancement = try db.openCase(idea, at: Self.sunday, actor: TestDepot.engineer)
        #expect(try db.caseDetail(enhancement, now: Self.sunday).afterHoursOpening == nil)
        #expect(try db.pendingNotifications().filter { $0.event == "after-hours" }.isEmpty)
        // A rotation dated before the PIN was last set is refused.
        #expect(throws: DepotError.self) {
            try db.setCustomerPIN("ACME", hash: Self.hash("2"), rotate: true, at: Self.sunday.adding(seconds: -60), actor: TestDepot.admin)
        }
    }

    @Test("a PIN is set once and rotated on purpose, only by an admin or account manager; no PIN means a wrong one")
    func pins() throws {
        let depot = try TestDepot.withFleet(now: Self.sunday)
        let db = depot.database
        let before = try db.pinState("ACME")
        #expect(!before.set && before.rotatedAt == nil)
        #expect(try db.checkPIN(customer: "ACME", pin: "12345678", verify: Self.verify) == .wrong)
        #expect(try db.checkPIN(customer: "ACME", pin: "  ", verify: Self.verify) == .none)
        #expect(throws: DepotError.self) {
            try db.setCustomerPIN("ACME", hash: Self.hash("1"), rotate: false, at: Self.sunday, actor: TestDepot.engineer)
        }
        _ = try db.setCustomerPIN("acme", hash: Self.hash("11111111"), rotate: false, at: Self.sunday, actor: TestDepot.accountManager)
        #expect(throws: DepotError.self) {
            try db.setCustomerPIN("ACME", hash: Self.hash("22222222"), rotate: false, at: Self.sunday, actor: TestDepot.admin)
        }
        let rotated = try db.setCustomerPIN(
            "ACME", hash: Self.hash("22222222"), rotate: true, at: Self.sunday.adding(seconds: 60), actor: TestDepot.admin)
        #expect(rotated.set && rotated.rotatedAt == Self.sunday.adding(seconds: 60))
        #expect(try db.checkPIN(customer: "ACME", pin: "11111111", verify: Self.verify) == .wrong)
        #expect(try db.checkPIN(customer: "ACME", pin: "22222222", verify: Self.verify) == .valid)
        #expect(try db.customerDetail("ACME", at: Self.sunday).pinSet)
        #expect(try db.customerDetail("GLOBEX", at: Self.sunday).pinSet == false)
    }
}
