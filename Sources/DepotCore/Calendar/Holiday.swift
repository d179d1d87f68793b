/// One day on which a holiday calendar is closed, with its name
/// (`New Year's Day (observed)` for an observed or substitute day).
public struct Holiday: Hashable, Sendable, Comparable, Codable {
    /// The date the calendar is closed.
    public let date: LocalDate
    /// The holiday's English name.
    public let name: String

    /// Creates a holiday.
    public init(date: LocalDate, name: String) {
        self.date = date
        self.name = name
    }

    public static func < (a: Holiday, b: Holiday) -> Bool { (a.date, a.name) < (b.date, b.name) }
}

/// Building blocks for holiday rules.
enum HolidayMath {
    /// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
    static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year, month, day)
    }

    /// The `n`-th given weekday of a month (n = 1...5).
    static func nth(_ n: Int, _ weekday: Weekday, of month: Int, _ year: Int) -> LocalDate {
        let first = LocalDate(year, month, 1)
        let shift = (weekday.rawValue - first.weekday.rawValue + 7) % 7
        return first.adding(days: shift + 7 * (n - 1))
    }

    /// The last given weekday of a month.
    static func last(_ weekday: Weekday, of month: Int, _ year: Int) -> LocalDate {
        let lastDay = LocalDate(year, month, LocalDate.daysIn(month: month, year: year))
        let shift = (lastDay.weekday.rawValue - weekday.rawValue + 7) % 7
        return lastDay.adding(days: -shift)
    }

    /// The first given weekday on or after a date.
    static func onOrAfter(_ date: LocalDate, _ weekday: Weekday) -> LocalDate {
        date.adding(days: (weekday.rawValue - date.weekday.rawValue + 7) % 7)
    }
}
