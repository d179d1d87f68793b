import Foundation

/// The time background work lives by: the instant it records as "now", and the waits between its rounds. Services
/// take one instead of reading `Date()`, so tests drive their time.
public protocol DepotClock: Sendable {
    /// The instant now.
    var now: Instant { get }
    /// Waits `duration`; throws `CancellationError` when the task is cancelled meanwhile.
    func sleep(for duration: Duration) async throws
}

/// The machine's clock: `Date()` and `Task.sleep`.
public struct WallClock: DepotClock {
    public init() {}
    public var now: Instant { Instant(Date()) }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
