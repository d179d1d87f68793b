import Foundation
import Testing

@testable import DepotCore

@Suite("dates and instants")
struct DateTests {
    @Test("day numbers round-trip through year, month and day for every day 1900-2200")
    func roundTrip() {
        let first = LocalDate(1900, 1, 1).dayNumber
        let last = LocalDate(2200, 12, 31).dayNumber
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for n in stride(from: first, through: last, by: 1) {
            let d = LocalDate(dayNumber: n)
            let (y, m, dd) = d.components
            #expect(LocalDate(year: y, month: m, day: dd)?.dayNumber == n)
            if n % 997 == 0 {
                // Independent oracle: Foundation's Gregorian calendar.
                let c = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(n) * 86_400))
                #expect([c.year, c.month, c.day] == [y, m, dd])
                #expect((c.weekday! + 5) % 7 + 1 == d.weekday.rawValue)
            }
        }
    }

    @Test(
        "month arithmetic clamps to the end of the month",
        arguments: [
            ("2024-01-31", 1, "2024-02-29"), ("2023-01-31", 1, "2023-02-28"), ("2024-02-29", 12, "2025-02-28"),
            ("2024-02-29", 48, "2028-02-29"), ("2025-03-31", 1, "2025-04-30"), ("2025-10-31", 4, "2026-02-28"),
            ("2025-12-15", 1, "2026-01-15"), ("2026-01-31", -2, "2025-11-30"), ("2000-02-29", 1200, "2100-02-28"),
        ])
    func months(start: String, months: Int, expected: String) {
        #expect(day(start).adding(months: months) == day(expected))
    }

    @Test("leap years follow the Gregorian rule")
    func leapYears() {
        #expect(LocalDate.isLeap(2000) && LocalDate.isLeap(2024) && !LocalDate.isLeap(1900) && !LocalDate.isLeap(2100))
        #expect(LocalDate(year: 2025, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
    }

    @Test("dates parse strictly", arguments: ["2026-13-01", "2026-02-30", "26-01-01", "2026-1-01", "2026-01-01T00:00", "", "abcd-ef-gh"])
    func badDates(text: String) {
        #expect(LocalDate(iso: text) == nil)
    }

    @Test(
        "instants accept any UTC offset and print in UTC",
        arguments: [
            ("2026-12-24T17:30:00+01:00", "2026-12-24T16:30:00Z"), ("2026-12-24T16:30:00Z", "2026-12-24T16:30:00Z"),
            ("2026-12-24T11:30:00-05:00", "2026-12-24T16:30:00Z"), ("2026-12-25T03:30:00+1100", "2026-12-24T16:30:00Z"),
            ("2026-12-24T16:30Z", "2026-12-24T16:30:00Z"), ("2026-12-24T16:30:00.000Z", "2026-12-24T16:30:00Z"),
            ("2027-01-01T00:30:00+05:30", "2026-12-31T19:00:00Z"), ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ])
    func instants(text: String, utc: String) {
        #expect(Instant(iso: text)?.description == utc)
    }

    @Test(
        "instants without an offset, with fractions of a second or malformed are refused",
        arguments: [
            "2026-12-24T16:30:00", "2026-12-24 16:30", "2026-12-24T16:30:00.5Z", "2026-12-24T24:00:00Z", "2026-12-24T16:60:00Z",
            "2026-12-24T16:30:00+25:00", "2026-12-24", "2026-12-24T16:30:00Zjunk", "",
        ])
    func badInstants(text: String) {
        #expect(Instant(iso: text) == nil)
    }
}
