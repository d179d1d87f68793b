/// A span of time as the policy states it: `2 business-hours`, `1 business-day`, `30 days`.
public struct ClockDuration: Hashable, Sendable, CustomStringConvertible {
    /// The kind of time counted.
    public enum Unit: String, CaseIterable, Sendable {
        /// Hours the region is open.
        case businessHours = "business-hours"
        /// Standard business days of the region, each its standard business day in business hours.
        case businessDays = "business-days"
        /// Wall-clock hours.
        case hours
        /// Wall-clock days of 24 hours.
        case days

        /// Whether this unit counts only open time.
        public var isBusiness: Bool { self == .businessHours || self == .businessDays }

        /// The singular spelling (`business-hour`).
        var singular: String { String(rawValue.dropLast()) }
    }

    /// The amount in thousandths of the unit, so that `1.5 business-days` is exact.
    public let milli: Int64
    /// The unit.
    public let unit: Unit

    /// Creates a duration of `milli` thousandths of `unit`.
    public init(milli: Int64, _ unit: Unit) {
        self.milli = milli
        self.unit = unit
    }

    /// Creates a duration of a whole number of units.
    public init(_ amount: Int, _ unit: Unit) { self.init(milli: Int64(amount) * 1000, unit) }

    /// `2 business-hours`, `1 business-day`, `1.5 days`.
    public var description: String {
        let whole = milli / 1000
        let fraction = milli % 1000
        var number = String(whole)
        if fraction != 0 {
            var digits = ASCII.pad(Int(fraction), 3)
            while digits.hasSuffix("0") { digits.removeLast() }
            number += "." + digits
        }
        return number + " " + (milli == 1000 ? unit.singular : unit.rawValue)
    }

    /// Parses `N unit` (`2 business-hours`, `1 business-day`, `0.5 days`); the error says what is wrong.
    public static func parse(_ text: String) -> Result<ClockDuration, ClockDurationError> {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return .failure(.shape(text)) }
        guard let milli = parseMilli(parts[0]) else { return .failure(.amount(String(parts[0]))) }
        let word = String(parts[1])
        guard let unit = Unit.allCases.first(where: { $0.rawValue == word || $0.singular == word }) else {
            return .failure(.unit(word))
        }
        return .success(ClockDuration(milli: milli, unit))
    }

    /// Parses a non-negative decimal with at most three decimals into thousandths.
    public static func parseMilli(_ text: Substring) -> Int64? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let wholeText = pieces.first, !wholeText.isEmpty, wholeText.count <= 9,
            wholeText.allSatisfy(\.isASCIIDigit), let whole = Int64(wholeText)
        else { return nil }
        var fraction: Int64 = 0
        if pieces.count == 2 {
            let f = pieces[1]
            guard !f.isEmpty, f.count <= 3, f.allSatisfy(\.isASCIIDigit), let v = Int64(f) else { return nil }
            fraction = v * [100, 10, 1][f.count - 1]
        }
        return whole * 1000 + fraction
    }
}

/// What is wrong with a duration's text.
public enum ClockDurationError: Error, Equatable, Sendable {
    /// Not of the form `N unit`.
    case shape(String)
    /// The number is not a non-negative decimal with at most three decimals.
    case amount(String)
    /// The unit is not one of the four.
    case unit(String)

    /// One line saying what is wrong.
    public var message: String {
        switch self {
        case .shape(let t): "expected \"N unit\" (e.g. \"2 business-hours\"), got \"\(t)\""
        case .amount(let a): "\"\(a)\" is not a non-negative number with at most three decimals"
        case .unit(let u):
            "unknown unit \"\(u)\" (expected one of \(ClockDuration.Unit.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
