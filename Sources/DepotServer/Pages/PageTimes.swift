import DepotCore
import DepotStore
import Foundation

/// How pages show times and durations.
enum PageTimes {
    /// The zone of the browser the page is for, when it sent one: `local` adds each time in it.
    @TaskLocal static var viewer: TimeZone?

    /// The home time zone of `region` (GMT for none or an unknown one): where a page shows its times.
    static func zone(_ database: DepotDatabase, region: String?) -> TimeZone {
        region.flatMap { try? database.policy.region($0).homeTimeZone } ?? .gmt
    }

    /// `2026-11-24 10:00 (America/New_York)`: an instant in the record's zone, with the zone's name; for a viewer in
    /// another zone followed by the same instant there: `(America/New_York; 16:00 your time, Europe/Berlin)`, the
    /// date too when it is another day there.
    static func local(_ instant: Instant?, zone: TimeZone) -> String {
        guard let instant else { return "" }
        let (day, time) = wallClock(instant, zone)
        let name = zone.identifier + offsetNearTransition(instant, zone)
        guard let viewer, viewer.identifier != zone.identifier else { return "\(day) \(time) (\(name))" }
        let (viewerDay, viewerTime) = wallClock(instant, viewer)
        let there = viewerDay == day ? viewerTime : "\(viewerDay) \(viewerTime)"
        return "\(day) \(time) (\(name); \(there) your time, \(viewer.identifier + offsetNearTransition(instant, viewer)))"
    }

    /// `, UTC-04:00` within an hour of a change of the zone's offset, where a wall-clock time alone is ambiguous (the
    /// hour repeated when clocks go back); empty elsewhere.
    static func offsetNearTransition(_ instant: Instant, _ zone: TimeZone) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch))
        let offset = zone.secondsFromGMT(for: date)
        guard zone.secondsFromGMT(for: date - 3600) != offset || zone.secondsFromGMT(for: date + 3600) != offset else { return "" }
        let minutes = abs(offset) / 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return ", UTC\(offset < 0 ? "-" : "+")\(two(minutes / 60)):\(two(minutes % 60))"
    }

    /// The date and `HH:MM` of an instant in a zone.
    private static func wallClock(_ instant: Instant, _ zone: TimeZone) -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch)))
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return ("\(c.year ?? 0)-\(two(c.month))-\(two(c.day))", "\(two(c.hour)):\(two(c.minute))")
    }

    /// `812 bytes`, `4.2 kB`, `3.1 MB` (decimal units, as the upload limit is given).
    static func bytes(_ n: Int64) -> String {
        if n < 1000 { return "\(n) bytes" }
        if n < 1_000_000 { return "\(n / 1000).\(n % 1000 / 100) kB" }
        return "\(n / 1_000_000).\(n % 1_000_000 / 100_000) MB"
    }

    static func duration(_ seconds: Int64, business: Bool = false) -> String {
        DurationText.of(seconds: seconds, business: business)
    }

    /// The live response-SLA state of a case: time left (in business time when the threshold counts it) or how long ago it broke.
    static func sla(state: SLAState?, left: TimeLeft?) -> (text: String, tone: String) {
        switch state {
        case nil: return ("no SLA", "quiet")
        case .met?: return ("met", "good")
        case .breached?:
            guard let left, left.seconds < 0 else { return ("breached", "bad") }
            return ("breached \(duration(-left.seconds)) ago", "bad")
        case .pending?:
            guard let left else { return ("pending", "warn") }
            return (
                "\(duration(left.seconds, business: left.business)) \(left.business ? "business time " : "")left",
                left.seconds < 3600 ? "warn" : "good"
            )
        }
    }
}
