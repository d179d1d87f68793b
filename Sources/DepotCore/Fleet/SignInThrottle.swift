/// Issue 19's sign-in protection: failed sign-ins are limited per account and per client address, decided before a
/// password is hashed (every hash costs the server about as much as the guess costs the guesser).
public enum SignInThrottle {
    /// Failures of one account name after which it must wait: 5 within 15 minutes.
    public static let account = GuessLimit(limit: 5, window: 900)
    /// Failures from one client address after which it must wait (an office behind one address has several people
    /// typing): 20 within 15 minutes.
    public static let address = GuessLimit(limit: 20, window: 900)

    /// Seconds to wait at `now`, or `nil` when a sign-in may be tried: the longer of the account's and the address's
    /// waits.
    public static func wait(accountFailures: [Instant], addressFailures: [Instant], now: Instant) -> Int64? {
        [account.wait(accountFailures, now: now), address.wait(addressFailures, now: now)].compactMap { $0 }.max()
    }

    /// The key failures of an account name are counted by: as typed, trimmed and in lower case, so that `Ada` and
    /// `ada ` share a count.
    public static func accountKey(_ typed: String) -> String { typed.trimmingSpaces().lowercased() }
}
