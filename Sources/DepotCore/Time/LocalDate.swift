/// A calendar date with no time and no zone: a ship date, a holiday, a warranty end.
///
/// Stored as the number of days since 1970-01-01 (proleptic Gregorian), so comparisons and
/// day arithmetic are integer operations. Conversions use Howard Hinnant's civil-date algorithms.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    /// Creates the date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// Creates a date from its parts; `nil` when the parts do not name a real date (2025-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.dayNumber = LocalDate.days(year: year, month: month, day: day)
    }

    /// Creates a date whose parts are known to be valid (rule code, not user input).
    init(_ year: Int, _ month: Int, _ day: Int) {
        precondition((1...12).contains(month) && day >= 1 && day <= LocalDate.daysIn(month: month, year: year))
        self.dayNumber = LocalDate.days(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD` strictly; `nil` for anything else.
    public init?(iso text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            let y = ASCII.int(u[0..<4]), let m = ASCII.int(u[5..<7]), let d = ASCII.int(u[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD` from UTF-8 bytes (the import's fast path); `nil` when it is not a real date.
    public init?(isoBytes u: UnsafeBufferPointer<UInt8>) {
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            let y = ASCII.int(u[0..<4]), let m = ASCII.int(u[5..<7]), let d = ASCII.int(u[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        // civil_from_days
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The year.
    public var year: Int { components.year }

    /// The ISO weekday: Monday is 1, Sunday is 7.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (4).
        let w = ((dayNumber % 7) + 7 + 3) % 7  // 0 = Monday
        return Weekday(rawValue: w + 1) ?? .monday  // w is always 0...6
    }

    /// The date `n` days later (earlier for negative `n`).
    public func adding(days n: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + n) }

    /// The same day of the month `n` months later, clamped to the month's last day
    /// (2024-01-31 + 1 month = 2024-02-29).
    public func adding(months n: Int) -> LocalDate {
        let (y, m, d) = components
        let index = y * 12 + (m - 1) + n
        let ny = index >= 0 ? index / 12 : (index - 11) / 12
        let nm = index - ny * 12 + 1
        return LocalDate(ny, nm, min(d, LocalDate.daysIn(month: nm, year: ny)))
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        return ASCII.pad(y, 4) + "-" + ASCII.pad(m, 2) + "-" + ASCII.pad(d, 2)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// The number of days in a month.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        // days_from_civil
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a date (YYYY-MM-DD): \(text)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A day of the week, ISO numbering (Monday = 1).
public enum Weekday: Int, CaseIterable, Sendable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// Saturday or Sunday.
    public var isWeekend: Bool { self == .saturday || self == .sunday }

    /// The three-letter English abbreviation used in policy files (`mon`).
    public var abbreviation: String {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue - 1]
    }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}

/// Small ASCII helpers for the hand-written parsers on hot paths.
enum ASCII {
    static func int<C: Collection<UInt8>>(_ bytes: C) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for b in bytes {
            guard b >= 48, b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(abs(value))
        let body = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        return value < 0 ? "-" + body : body
    }
}
