import DepotCore
import DepotStore
import Foundation

/// How the worker delivers: request timeout, backoff and when it gives up.
public struct DeliveryPolicy: Sendable {
    /// Seconds a receiver may take to answer.
    public var timeout: TimeInterval = 10
    /// Seconds after queuing (or a manual retry) after which a notification that still fails is dead.
    public var giveUpAfter: Int64 = 24 * 3600
    /// The first retry's delay in seconds; each further retry doubles it, up to `maxDelay`; each is jittered.
    public var baseDelay: Int64 = 5
    public var maxDelay: Int64 = 3600
    /// Requests in flight at once (a receiver that hangs holds one of them until its timeout).
    public var concurrency = 4

    public init() {}
}

/// What one round of delivery did.
public struct DeliveryReport: Sendable, Equatable, Encodable {
    public var delivered = 0
    public var retrying = 0
    public var dead = 0
    public var waiting = 0

    public init(delivered: Int = 0, retrying: Int = 0, dead: Int = 0, waiting: Int = 0) {
        self.delivered = delivered
        self.retrying = retrying
        self.dead = dead
        self.waiting = waiting
    }
}

extension DeliveryPolicy {
    /// The next attempt's time after `attempts` failed ones: `baseDelay` doubled per attempt so far, at most
    /// `maxDelay`, between half and all of it.
    public func backoff(attempts: Int, now: Instant) -> Instant {
        let delay = min(maxDelay, baseDelay << min(Int64(attempts), 30))
        let jittered = delay / 2 + Int64.random(in: 0...max(0, delay - delay / 2))
        return Instant(secondsSinceEpoch: now.secondsSinceEpoch + max(1, jittered))
    }

    /// `Retry-After` as seconds from now: a number of seconds or an HTTP date.
    static func seconds(retryAfter: String, now: Instant) -> Int64? {
        if let seconds = Int64(retryAfter.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: retryAfter) else { return nil }
        return max(0, Instant(date).secondsSinceEpoch - now.secondsSinceEpoch)
    }
}
