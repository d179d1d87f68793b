import DepotCore
import Foundation

/// Counts the misses of each client (a survey link that leads nowhere) and refuses a client that missed `limit`
/// times within `window` seconds until its oldest miss is that old: the answer to guessing links, checked before
/// anything is looked up. Kept in memory per server, at most `capacity` clients (the oldest forgotten first).
actor MissLimiter {
    let limit: Int
    let window: Int64
    let capacity: Int
    private var misses: [String: [Int64]] = [:]

    init(limit: Int = 20, window: Int64 = 900, capacity: Int = 10_000) {
        (self.limit, self.window, self.capacity) = (limit, window, capacity)
    }

    /// Seconds until `client` may try again at `now`, `nil` when it may now.
    func retryAfter(_ client: String, now: Instant) -> Int64? {
        let recent = (misses[client] ?? []).filter { $0 > now.secondsSinceEpoch - window }
        misses[client] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, oldest + window - now.secondsSinceEpoch)
    }

    /// Records a miss of `client` at `now`.
    func miss(_ client: String, now: Instant) {
        if misses[client] == nil, misses.count >= capacity {
            // Forget the client whose last miss is oldest.
            if let stale = misses.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key { misses[stale] = nil }
        }
        misses[client, default: []].append(now.secondsSinceEpoch)
    }
}
