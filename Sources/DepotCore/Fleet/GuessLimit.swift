/// The one rule against guessing (issue 19), shared by sign-ins, survey links and after-hours PINs: at most `limit`
/// failures of one subject (an account, a client address, a customer's PIN) within `window` seconds; the failure
/// that reaches the limit makes the subject wait until enough of its failures are `window` old to leave one try.
public struct GuessLimit: Sendable, Equatable {
    public let limit: Int
    /// Seconds.
    public let window: Int64

    public init(limit: Int, window: Int64) {
        precondition(limit > 0 && window > 0, "a guess limit needs a positive limit and window")
        (self.limit, self.window) = (limit, window)
    }

    /// Seconds `failures` (any order; those outside the window before `now` or after it are ignored) make the
    /// subject wait at `now`, `nil` when it may try.
    public func wait(_ failures: [Instant], now: Instant) -> Int64? {
        let recent = failures.filter { $0.secondsSinceEpoch > now.secondsSinceEpoch - window && $0 <= now }.sorted()
        guard recent.count >= limit else { return nil }
        let freeing = recent[recent.count - limit]
        return max(1, freeing.secondsSinceEpoch + window - now.secondsSinceEpoch)
    }

    /// The start of the window ending at `now`: failures after it count.
    public func since(_ now: Instant) -> Instant { now.adding(seconds: -window) }
}

/// What a guess is a guess of: each kind is counted apart (a wrong survey link does not lock an account).
public enum GuessKind: String, Sendable, CaseIterable {
    case signIn = "sign-in"
    case surveyLink = "survey-link"
}
