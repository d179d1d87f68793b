import Foundation
import Testing

@testable import DepotCore

@Suite("business clock")
struct BusinessClockTests {
    func add(_ clock: BusinessClock, _ from: String, _ duration: ClockDuration) throws -> String {
        try clock.adding(duration, to: at(from)).description
    }

    @Test("standard business days: 10 h for one 08:00-18:00 centre, 13 h for the Americas union")
    func standardDays() {
        #expect(Defaults.emea.businessDaySeconds == 36_000)
        #expect(Defaults.apac.businessDaySeconds == 36_000)
        #expect(Defaults.americas.businessDaySeconds == 46_800)
    }

    // Each expected value below was worked out by hand from the zone rules and the holiday lists.
    @Test(
        "worked examples",
        arguments: [
            // London, Friday evening: 30 min on Friday, 90 min from Monday's 08:00.
            ("emea", "2026-11-20T17:30:00Z", ClockDuration(2, .businessHours), "2026-11-23T09:30:00Z"),
            // London, Christmas Eve 2026 (Thursday): 1 h on the 24th; 25th Christmas, 28th Boxing Day substitute; Tue 29th.
            ("emea", "2026-12-24T17:00:00Z", ClockDuration(4, .businessHours), "2026-12-29T11:00:00Z"),
            // London, clocks go forward on Sunday 29 March 2026: Monday opens 08:00 BST = 07:00Z.
            ("emea", "2026-03-27T17:00:00Z", ClockDuration(2, .businessHours), "2026-03-30T08:00:00Z"),
            // London, clocks go back on Sunday 25 October 2026: Friday 16:00Z is 17:00 BST, 1 h to close;
            // Monday opens 08:00 GMT = 08:00Z.
            ("emea", "2026-10-23T16:00:00Z", ClockDuration(2, .businessHours), "2026-10-26T09:00:00Z"),
            // A clock started before opening starts at the opening.
            ("emea", "2026-11-23T03:00:00Z", ClockDuration(1, .businessHours), "2026-11-23T09:00:00Z"),
            // +1 business day from Monday 10:00 is Tuesday 10:00.
            ("emea", "2026-11-23T10:00:00Z", ClockDuration(1, .businessDays), "2026-11-24T10:00:00Z"),
            // Deadline exactly at closing time stays at closing time.
            ("emea", "2026-11-23T08:00:00Z", ClockDuration(10, .businessHours), "2026-11-23T18:00:00Z"),
            // Sydney: Thursday 2 April 2026 17:00 AEDT (06:00Z); Good Friday to Easter Monday closed, and the clocks go back
            // on Sunday 5 April: Tuesday opens 08:00 AEST = Monday 22:00Z.
            ("apac", "2026-04-02T06:00:00Z", ClockDuration(2, .businessHours), "2026-04-06T23:00:00Z"),
            // Sydney: Friday 2 October 2026 17:00 AEST (07:00Z); Labour Day Monday 5 October, clocks go forward on 4 October:
            // Tuesday opens 08:00 AEDT = Monday 21:00Z.
            ("apac", "2026-10-02T07:00:00Z", ClockDuration(2, .businessHours), "2026-10-05T22:00:00Z"),
            // Americas, Friday 6 March 2026 17:00 PST (01:00Z Sat): 1 h to San Francisco's close; New York's clocks go
            // forward on 8 March, so Monday opens 08:00 EDT = 12:00Z.
            ("americas", "2026-03-07T01:00:00Z", ClockDuration(3, .businessHours), "2026-03-09T14:00:00Z"),
            // Americas, Patriots' Day (Monday 20 April 2026): Lexington closed, so the day opens at 08:00 PDT = 15:00Z.
            ("americas", "2026-04-20T12:00:00Z", ClockDuration(1, .businessHours), "2026-04-20T16:00:00Z"),
            // Americas, Cesar Chavez Day (Tuesday 31 March 2026): San Francisco closed, so the day ends at 18:00 EDT = 22:00Z.
            ("americas", "2026-03-31T21:00:00Z", ClockDuration(2, .businessHours), "2026-04-01T13:00:00Z"),
            // Americas, +1 business day (13 h) from Monday 10:00 EST is Tuesday 10:00 EST.
            ("americas", "2026-11-16T15:00:00Z", ClockDuration(1, .businessDays), "2026-11-17T15:00:00Z"),
            // Americas, Thanksgiving Eve 2026: Wednesday 25 Nov 20:00Z; Thursday closed everywhere; Friday only Lexington
            // (13:00Z-23:00Z, San Francisco closed for the day after Thanksgiving). 6 h Wed + 10 h Fri + 1 h Mon 13:00Z.
            ("americas", "2026-11-25T20:00:00Z", ClockDuration(17, .businessHours), "2026-11-30T14:00:00Z"),
            // Wall-clock time ignores hours and holidays.
            ("americas", "2026-12-24T16:30:00Z", ClockDuration(1, .days), "2026-12-25T16:30:00Z"),
            ("emea", "2026-03-28T12:00:00Z", ClockDuration(30, .hours), "2026-03-29T18:00:00Z"),
            // Fractions: 1.5 business days of 13 h are 19.5 h.
            ("americas", "2026-11-16T13:00:00Z", ClockDuration(milli: 1500, .businessDays), "2026-11-17T19:30:00Z"),
        ])
    func workedExamples(region: String, from: String, duration: ClockDuration, expected: String) throws {
        let clock = try #require(["emea": Defaults.emea, "apac": Defaults.apac, "americas": Defaults.americas][region])
        #expect(try add(clock, from, duration) == expected)
    }

    @Test("an explanation lists the open intervals consumed, with the centres open in each")
    func explanation() throws {
        let e = try Defaults.americas.explain(ClockDuration(10, .businessHours), from: at("2026-12-24T16:30:00Z"))
        #expect(e.deadline == at("2026-12-28T13:30:00Z"))
        #expect(
            e.intervals == [
                OpenInterval(start: at("2026-12-24T16:30:00Z"), end: at("2026-12-24T23:00:00Z"), centres: ["lexington", "san-francisco"]),
                OpenInterval(start: at("2026-12-24T23:00:00Z"), end: at("2026-12-25T02:00:00Z"), centres: ["san-francisco"]),
                OpenInterval(start: at("2026-12-28T13:00:00Z"), end: at("2026-12-28T13:30:00Z"), centres: ["lexington"]),
            ])
        #expect(e.intervals.map(\.seconds).reduce(0, +) == 36_000)
    }

    @Test("outside the covered years is an error, not a wrong answer")
    func horizon() {
        #expect(throws: DepotError.self) { try Defaults.emea.adding(ClockDuration(1, .businessHours), to: at("1980-01-01T00:00:00Z")) }
        #expect(throws: DepotError.self) { try Defaults.emea.adding(ClockDuration(100, .businessDays), to: at("2100-12-01T00:00:00Z")) }
    }

    @Test("adding a then b business seconds equals adding a + b, and the seconds counted between are the seconds added")
    func properties() throws {
        var rng = SplitMix64(seed: 42)
        for clock in [Defaults.emea, Defaults.americas, Defaults.apac] {
            for _ in 0..<2000 {
                let t = Instant(secondsSinceEpoch: 1_577_836_800 + Int64(rng.next() % (12 * 365 * 86_400)))
                let a = Int64(rng.next() % 200_000)
                let b = Int64(rng.next() % 200_000)
                let both = try clock.adding(businessSeconds: a + b, to: t)
                let stepwise = try clock.adding(businessSeconds: b, to: clock.adding(businessSeconds: a, to: t))
                #expect(both == stepwise)
                #expect(try clock.businessSeconds(from: t, to: both) == a + b)
            }
        }
    }

    @Test("the clock agrees with a minute-by-minute walk over Foundation's calendar")
    func againstNaiveWalk() throws {
        let region = try Defaults.policy.region("americas")
        let closed = region.centres.map { $0.holidays.closedDays(years: 2019...2031) }
        let calendars = region.centres.map { centre in
            var c = Calendar(identifier: .gregorian)
            c.timeZone = centre.timeZone
            return c
        }
        func open(_ t: Date) -> Bool {
            for (i, centre) in region.centres.enumerated() {
                let c = calendars[i].dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
                guard let date = LocalDate(year: c.year!, month: c.month!, day: c.day!), !closed[i].contains(date.dayNumber) else {
                    continue
                }
                let minute = c.hour! * 3600 + c.minute! * 60
                if centre.hours.spans(on: date.weekday).contains(where: { $0.open <= minute && minute < $0.close }) { return true }
            }
            return false
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<60 {
            let start = 1_577_836_800 + Int64(rng.next() % (10 * 365 * 1440)) * 60  // a minute in 2020-2029
            var minutes = Int64(rng.next() % (3 * 780)) + 1  // up to three Americas business days
            let expected = try Defaults.americas.adding(businessSeconds: minutes * 60, to: Instant(secondsSinceEpoch: start))
            var t = start
            while minutes > 0 {
                if open(Date(timeIntervalSince1970: Double(t))) { minutes -= 1 }
                t += 60
            }
            #expect(Instant(secondsSinceEpoch: t) == expected, "from \(Instant(secondsSinceEpoch: start))")
        }
    }

    @Test("business dates follow numpy's busday_offset with roll forward")
    func businessDates() throws {
        let london = BusinessDays(region: try Defaults.policy.region("emea"))
        // Christmas Eve 2026 (Thu) + 1: Friday is Christmas, Monday 28th the Boxing Day substitute: Tuesday 29th.
        #expect(london.offset(day("2026-12-24"), by: 1) == day("2026-12-29"))
        // A Saturday rolls forward to Monday first, then + 0 is that Monday.
        #expect(london.offset(day("2026-11-21"), by: 0) == day("2026-11-23"))
        #expect(london.offset(day("2026-11-21"), by: -1) == day("2026-11-20"))
        #expect(london.offset(day("2026-12-29"), by: -1) == day("2026-12-24"))
        #expect(london.isBusinessDate(day("2026-12-24")) && !london.isBusinessDate(day("2026-12-28")))
        // The Americas are open on Patriots' Day (San Francisco) and on Cesar Chavez Day (Lexington), closed on Thanksgiving.
        let americas = BusinessDays(region: try Defaults.policy.region("americas"))
        #expect(americas.isBusinessDate(day("2026-04-20")) && americas.isBusinessDate(day("2026-03-31")))
        #expect(!americas.isBusinessDate(day("2026-11-26")))
        #expect(london.offset(day("2100-12-30"), by: 5) == nil)
    }
}
