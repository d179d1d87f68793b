/// Issue 19's sign-in protection: failed sign-ins are limited per account and per client address, decided before a
/// password is hashed (every hash costs the server about as much as the guess costs the guesser).
public enum SignInThrottle {
    /// Failures of one account name within `window` seconds after which it must wait.
    public static let accountLimit = 5
    /// Failures from one client address within `window` seconds after which it must wait (an office behind one
    /// address has several people typing).
    public static let addressLimit = 20
    /// The window, in seconds: 15 minutes.
    public static let window: Int64 = 900

    /// Seconds to wait at `now`, or `nil` when a sign-in may be tried: the failures of the account and of the address
    /// within the window (any order), each limit reached until its oldest counted failure is `window` old.
    public static func wait(accountFailures: [Instant], addressFailures: [Instant], now: Instant) -> Int64? {
        func waiting(_ failures: [Instant], limit: Int) -> Int64? {
            let recent = failures.filter { $0.secondsSinceEpoch > now.secondsSinceEpoch - window && $0 <= now }.sorted()
            guard recent.count >= limit else { return nil }
            // The wait ends when enough of them have aged out to leave one try.
            let freeing = recent[recent.count - limit]
            return max(1, freeing.secondsSinceEpoch + window - now.secondsSinceEpoch)
        }
        let waits = [waiting(accountFailures, limit: accountLimit), waiting(addressFailures, limit: addressLimit)].compactMap { $0 }
        return waits.max()
    }

    /// The key failures of an account name are counted by: as typed, trimmed and in lower case, so that `Ada` and
    /// `ada ` share a count.
    public static func accountKey(_ typed: String) -> String { typed.trimmingSpaces().lowercased() }
}
