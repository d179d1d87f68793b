import Foundation

/// A point in time, to the second, in UTC: when a case opened, when a deadline falls.
///
/// Stored as whole seconds since 1970-01-01T00:00:00Z. Depot's resolution is the second;
/// fractions in input are refused rather than silently rounded.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since the Unix epoch, UTC.
    public let secondsSinceEpoch: Int64

    /// Creates the instant `seconds` after the Unix epoch.
    public init(secondsSinceEpoch seconds: Int64) { self.secondsSinceEpoch = seconds }

    /// Creates an instant from a Foundation date, dropping fractions of a second.
    public init(_ date: Date) { self.secondsSinceEpoch = Int64(date.timeIntervalSince1970.rounded(.down)) }

    /// The same instant as a Foundation date.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch)) }

    /// The instant at 00:00 UTC of a date plus `seconds`.
    public init(utcDate: LocalDate, plusSeconds seconds: Int64 = 0) {
        self.secondsSinceEpoch = Int64(utcDate.dayNumber) * 86_400 + seconds
    }

    /// The UTC calendar date of this instant.
    public var utcDate: LocalDate { LocalDate(dayNumber: Int(secondsSinceEpoch.floorDiv(86_400))) }

    /// This instant moved by `seconds`.
    public func adding(seconds: Int64) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// ISO 8601 in UTC: `2026-12-24T16:30:00Z`.
    public var description: String {
        let day = utcDate
        let s = secondsSinceEpoch - Int64(day.dayNumber) * 86_400
        return day.description + "T" + ASCII.pad(Int(s / 3600), 2) + ":" + ASCII.pad(Int(s / 60 % 60), 2) + ":"
            + ASCII.pad(Int(s % 60), 2) + "Z"
    }

    /// Parses ISO 8601 / RFC 3339 date-times with a `Z` or `±HH:MM` offset
    /// (`2026-12-24T17:30:00+01:00`); seconds may be left out (`2026-12-24T17:30Z`).
    /// Returns `nil` for anything else, including a missing offset: a local time without a zone is ambiguous.
    public init?(iso text: some StringProtocol) {
        var bytes = Array(text.utf8)
        if let parsed = Instant.parse(&bytes) { self = parsed } else { return nil }
    }

    /// The parser behind `init(iso:)`, over bytes, for the bulk paths.
    static func parse(_ u: inout [UInt8]) -> Instant? {
        u.withUnsafeBufferPointer { parse(UnsafeBufferPointer(rebasing: $0[...])) }
    }

    /// Parses one instant from bytes (no surrounding white space).
    public static func parse(_ u: UnsafeBufferPointer<UInt8>) -> Instant? {
        let n = u.count
        guard n >= 17 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let b = u[i]
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard u[4] == 45, u[7] == 45, u[10] == 84 || u[10] == 116 || u[10] == 32, u[13] == 58,
            let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2),
            let h = digits(11, 2), let mi = digits(14, 2),
            let date = LocalDate(year: y, month: mo, day: d), h < 24, mi < 60
        else { return nil }
        var i = 16
        var sec = 0
        if i < n, u[i] == 58 {
            guard i + 3 <= n, let s = digits(i + 1, 2), s < 60 else { return nil }
            sec = s
            i += 3
            if i < n, u[i] == 46 || u[i] == 44 {
                // Fractions are accepted only when they are zero: the resolution is the second.
                i += 1
                let start = i
                while i < n, u[i] == 48 { i += 1 }
                guard i > start else { return nil }
            }
        }
        guard i < n else { return nil }
        var offset = 0
        switch u[i] {
        case 90, 122:  // Z z
            i += 1
        case 43, 45:  // + -
            let sign = u[i] == 43 ? 1 : -1
            guard i + 3 <= n, let oh = digits(i + 1, 2), oh <= 18 else { return nil }
            i += 3
            var om = 0
            if i < n {
                if u[i] == 58 { i += 1 }
                guard i + 2 <= n, let m = digits(i, 2), m < 60 else { return nil }
                om = m
                i += 2
            }
            offset = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let local = Int64(date.dayNumber) * 86_400 + Int64(h * 3600 + mi * 60 + sec)
        return Instant(secondsSinceEpoch: local - Int64(offset))
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }
}

extension Instant: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let instant = Instant(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 instant: \(text)")
        }
        self = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    @inlinable func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
