import ArgumentParser
import DepotCore
import DepotStore

/// Parsers for option values, each with a message that says what was expected.
enum Parse {
    static func instant(_ text: String) throws -> Instant {
        guard let i = Instant(iso: text) else {
            throw ValidationError(
                "\"\(text)\" is not an ISO 8601 instant with a UTC offset, e.g. 2026-12-24T17:30:00+01:00 or 2026-12-24T16:30:00Z")
        }
        return i
    }

    static func date(_ text: String) throws -> LocalDate {
        guard let d = LocalDate(iso: text) else { throw ValidationError("\"\(text)\" is not a date (YYYY-MM-DD), e.g. 2026-12-24") }
        return d
    }

    static func amount(_ text: String) throws -> Int64 {
        guard let milli = ClockDuration.parseMilli(Substring(text)) else {
            throw ValidationError("\"\(text)\" is not a non-negative number with at most three decimals")
        }
        return milli
    }
}

extension Tier: ExpressibleByArgument {}
extension Priority: ExpressibleByArgument {}
extension Durability: ExpressibleByArgument {}

/// A contract tier, or `none` for a customer without an active contract.
enum TierArgument: String, CaseIterable, ExpressibleByArgument {
    case standard, premium, premiumPlus = "premium-plus", none

    var tier: Tier? { Tier(rawValue: rawValue) }
}
