import Testing

@testable import DepotCore

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// SPEC.md 8's rule, the clock it uses, and the policy section that sets it.
@Suite("After-hours rule")
struct AfterHoursRuleTests {
    @Test("only a round-the-clock tier opened while its region is closed is decided by the PIN")
    func rule() {
        let tiers: Set<Tier> = [.premium, .premiumPlus]
        for pin in [PINCheck.none, .valid, .wrong, .limited] {
            #expect(AfterHoursRule.opening(regionOpen: true, tier: .premium, afterHoursTiers: tiers, pin: pin) == nil)
            #expect(AfterHoursRule.opening(regionOpen: false, tier: .standard, afterHoursTiers: tiers, pin: pin) == nil)
            #expect(AfterHoursRule.opening(regionOpen: false, tier: nil, afterHoursTiers: tiers, pin: pin) == nil)
            #expect(AfterHoursRule.opening(regionOpen: false, tier: .premiumPlus, afterHoursTiers: [], pin: pin) == nil)
        }
        let closed = [PINCheck.valid, .none, .wrong, .limited].map {
            AfterHoursRule.opening(regionOpen: false, tier: .premium, afterHoursTiers: tiers, pin: $0)
        }
        #expect(closed == [.pin, .noPin, .wrongPin, .pinLimited])
        #expect(closed.map { $0?.wallClock } == [true, false, false, false])
        let now = instant("2026-11-28T23:00:00Z")
        let minutesAgo = { (minutes: Int64) in now.adding(seconds: -60 * minutes) }
        let four = [1, 2, 3, 14].map(minutesAgo)
        #expect(AfterHoursRule.mayCheck(failures: four, policy: .defaults, now: now))
        #expect(!AfterHoursRule.mayCheck(failures: four + [minutesAgo(0)], policy: .defaults, now: now))
        // A wrong PIN 15 minutes old no longer counts; one dated after `now` (a clock step) does not either.
        #expect(AfterHoursRule.mayCheck(failures: four + [minutesAgo(15)], policy: .defaults, now: now))
        #expect(AfterHoursRule.mayCheck(failures: four + [minutesAgo(-1)], policy: .defaults, now: now))
    }

    @Test("with the PIN every threshold counts in wall-clock time: premium P2's 2 business hours are 2 hours")
    func wallClock() throws {
        #expect(ClockDuration(2, .businessHours).inWallClock == ClockDuration(2, .hours))
        #expect(ClockDuration(milli: 1500, .businessDays).inWallClock == ClockDuration(milli: 1500, .days))
        #expect(ClockDuration(30, .days).inWallClock == ClockDuration(30, .days))
        let saturday = instant("2026-11-28T23:00:00Z")
        let plain = try Defaults.policy.slas.deadlines(tier: .premium, priority: .p2, opened: saturday, clock: Defaults.emea)
        let pin = try Defaults.policy.slas.deadlines(tier: .premium, priority: .p2, opened: saturday, clock: Defaults.emea, wallClock: true)
        #expect(plain.response == instant("2026-11-30T10:00:00Z"))
        #expect(pin.response == instant("2026-11-29T01:00:00Z") && pin.responseThreshold == ClockDuration(2, .hours))
        #expect(pin.escalations.map(\.threshold) == [ClockDuration(5, .days)])
    }

    @Test("the clocks start at the next opening only without a valid PIN; only waits after they start count")
    func clocksStart() throws {
        let sunday = instant("2026-11-29T02:00:00Z")
        let monday = instant("2026-11-30T08:00:00Z")
        #expect(try AfterHoursRule.clocksFrom(nil, opened: sunday, clock: Defaults.emea) == sunday)
        #expect(try AfterHoursRule.clocksFrom(.pin, opened: sunday, clock: Defaults.emea) == sunday)
        for opening in [AfterHoursOpening.noPin, .wrongPin, .pinLimited] {
            #expect(try AfterHoursRule.clocksFrom(opening, opened: sunday, clock: Defaults.emea) == monday)
        }
        let before = CasePause(start: sunday, end: instant("2026-11-30T07:00:00Z"))
        let across = CasePause(start: sunday, end: instant("2026-11-30T09:00:00Z"))
        let running = CasePause(start: sunday, end: nil)
        #expect(before.counted(from: monday) == nil)
        #expect(across.counted(from: monday) == CasePause(start: monday, end: instant("2026-11-30T09:00:00Z")))
        #expect(running.counted(from: monday) == CasePause(start: monday, end: nil))
        // A wait of no time at the clocks' start is kept (it moves nothing); one after them is whole.
        #expect(CasePause(start: monday, end: monday).counted(from: monday) == CasePause(start: monday, end: monday))
        #expect(across.counted(from: sunday) == across)
    }

    @Test("the next opening: now when open, else the next open hour after weekends and holidays, in the region's zone")
    func nextOpening() throws {
        // London: Sunday night to Monday 08:00; open Monday noon stays; Christmas Eve 18:00 to 29 December (two bank holidays).
        #expect(try Defaults.emea.nextOpening(atOrAfter: instant("2026-11-29T02:00:00Z")) == instant("2026-11-30T08:00:00Z"))
        #expect(try Defaults.emea.nextOpening(atOrAfter: instant("2026-11-30T12:00:00Z")) == instant("2026-11-30T12:00:00Z"))
        #expect(try Defaults.emea.nextOpening(atOrAfter: instant("2026-12-24T18:00:00Z")) == instant("2026-12-29T08:00:00Z"))
        // Americas opens with Lexington (08:00 New York, 13:00 UTC in winter).
        #expect(try Defaults.americas.nextOpening(atOrAfter: instant("2026-11-29T07:00:00Z")) == instant("2026-11-30T13:00:00Z"))
        // Sydney in summer (UTC+11): Saturday 09:00 there is Monday 08:00's wait.
        #expect(try Defaults.apac.nextOpening(atOrAfter: instant("2026-11-27T22:00:00Z")) == instant("2026-11-29T21:00:00Z"))
    }

    @Test("the policy's after-hours section: tiers, limits, refusals naming the path")
    func policy() throws {
        let tests = PolicyTests()
        let changed = try tests.load("after-hours:\n  tiers: [premium-plus]\n  wrong-pins: 3\n  wrong-pin-minutes: 60\n")
        #expect(changed.afterHours == AfterHoursPolicy(tiers: [.premiumPlus], wrongPINs: 3, wrongPINMinutes: 60))
        #expect(try tests.load("after-hours:\n  tiers: []\n").afterHours.tiers.isEmpty)
        #expect(Defaults.policy.afterHours == .defaults)
        #expect(tests.problems("after-hours:\n  tiers: [gold]\n").first?.contains("after-hours.tiers: unknown tier \"gold\"") == true)
        #expect(tests.problems("after-hours:\n  wrong-pins: 0\n").first?.contains("after-hours.wrong-pins") == true)
        #expect(tests.problems("after-hours:\n  pins: 3\n").isEmpty == false)
        // What `depot policy show` prints loads back to the same.
        let shown = PolicyWriter.yaml(changed)
        #expect(shown.contains("after-hours:\n  tiers: [premium-plus]\n  wrong-pins: 3\n  wrong-pin-minutes: 60\n"))
    }
}
