import Foundation

/// A support centre: where engineers work, in which zone, when, and on which days not.
public struct SupportCentre: Sendable {
    /// The centre's id in the policy (`lexington`).
    public let id: String
    /// A human name (`Lexington MA`).
    public let name: String
    /// Its IANA time zone.
    public let timeZone: TimeZone
    /// Its opening hours in an ordinary week.
    public let hours: WeeklyHours
    /// The days it is closed.
    public let holidays: HolidayCalendar

    /// Creates a centre.
    public init(id: String, name: String, timeZone: TimeZone, hours: WeeklyHours, holidays: HolidayCalendar) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.hours = hours
        self.holidays = holidays
    }
}

/// A support region (`americas`): open whenever any of its centres is open.
public struct SupportRegion: Sendable {
    /// The region's id (`americas`, `emea`, `apac`).
    public let id: String
    /// Its centres; the first one's time zone is the region's home time zone.
    public let centres: [SupportCentre]
    /// The length of one business day in business seconds, when the policy sets it; otherwise it is
    /// measured from the hours (the length of open time on an ordinary weekday).
    public let businessDayOverride: Int64?

    /// Creates a region; `centres` must not be empty.
    public init(id: String, centres: [SupportCentre], businessDaySeconds: Int64? = nil) {
        precondition(!centres.isEmpty, "a region needs a centre")
        self.id = id
        self.centres = centres
        self.businessDayOverride = businessDaySeconds
    }

    /// The time zone whose dates count as "the day" of an instant in this region.
    public var homeTimeZone: TimeZone { centres[0].timeZone }

    /// The first instant of a day in the region's home time zone (midnight, or the first moment after it
    /// when a clock change skips midnight).
    public func startOfDay(_ day: LocalDate) -> Instant {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = homeTimeZone
        let (y, m, d) = day.components
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)) else { return Instant(utcDate: day) }
        return Instant(calendar.startOfDay(for: date))
    }

    /// The instant of a wall-clock time on `day` in the region's home time zone (`hour` 0-23, `minute` 0-59): a time
    /// repeated when clocks go back is its first occurrence, one skipped when they go forward is read as the clock
    /// would show it.
    public func instant(on day: LocalDate, hour: Int, minute: Int) -> Instant {
        let midnight = Int64(day.dayNumber) * 86_400
        let zone = ZoneOffsets(timeZone: homeTimeZone, from: midnight - 3 * 86_400, to: midnight + 3 * 86_400)
        return Instant(secondsSinceEpoch: zone.instant(localSeconds: midnight + Int64(hour * 3600 + minute * 60)))
    }

    /// `2026-11-24 17:00 America/New_York (2026-11-24T22:00:00Z)`: an instant on the region's home clock, with the
    /// zone's name and the instant itself, for texts that are read by people in other zones.
    public func wallClock(_ instant: Instant) -> String {
        let local = instant.secondsSinceEpoch + Int64(homeTimeZone.secondsFromGMT(for: instant.date))
        let minutes = (local - local.floorDiv(86_400) * 86_400) / 60
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = Instant(secondsSinceEpoch: local).utcDate
        return "\(day) \(two(minutes / 60)):\(two(minutes % 60)) \(homeTimeZone.identifier) (\(instant))"
    }

    /// The date of an instant in the region's home time zone.
    public func localDate(of instant: Instant) -> LocalDate {
        let offset = Int64(homeTimeZone.secondsFromGMT(for: instant.date))
        return Instant(secondsSinceEpoch: instant.secondsSinceEpoch + offset).utcDate
    }
}
