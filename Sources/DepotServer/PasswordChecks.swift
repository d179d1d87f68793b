import DepotCore
import DepotStore
import Foundation
import NIOPosix

/// Password checks (bcrypt, a quarter of a second of a core each) on threads of their own, never on the pool every
/// database read runs on, and a bounded number at once: measured before (issue 19), 24 concurrent failed sign-ins
/// made every other request wait 5.4 s. When `limit` checks are running or waiting, another is refused at once
/// (the caller answers 503 with `Retry-After`) instead of queueing behind them.
final class PasswordChecks: @unchecked Sendable {
    /// The threads every server of the process shares: half the cores, at least one.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
        pool.start()
        return pool
    }()

    let limit: Int
    private let lock = NSLock()
    private var pending = 0

    init(limit: Int) { self.limit = limit }

    /// Runs `check` on the checks' threads; `nil` when `limit` checks are already running or waiting.
    func run(_ check: @escaping @Sendable () -> Bool) async throws -> Bool? {
        let admitted = lock.withLock { () -> Bool in
            guard pending < limit else { return false }
            pending += 1
            return true
        }
        guard admitted else { return nil }
        defer { lock.withLock { pending -= 1 } }
        return try await Self.pool.runIfActive(check)
    }
}

extension PasswordChecks {
    /// The after-hours PIN a caller gave for `customer` (SPEC.md 8), checked with its slow hash on these threads, as
    /// passwords are; a 503 with `Retry-After` when they are all taken.
    func checkPIN(_ database: DepotDatabase, customer: String, pin: String?) async throws -> PINCheck {
        switch try await ThreadPool.run({ try database.pinToCheck(customer: customer, pin: pin) }) {
        case .decided(let check): return check
        case .verify(let pin, let hash):
            guard let valid = try await run({ Credentials.verify(pin, hash: hash) }) else { throw APIError.busyCheckingPasswords }
            return valid ? .valid : .wrong
        }
    }
}
