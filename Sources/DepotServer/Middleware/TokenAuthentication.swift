import DepotStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Signs in API requests that carry `Authorization: Bearer TOKEN`: the token's SHA-256 is looked up among
/// the users. A request without the header passes on unauthenticated (routes that need a user say 401);
/// a wrong token is a 401 at once. A token found is remembered for `RecentCache.lifetime` (a database
/// read per request was two thirds of a small API request's cost, measured with wrk).
struct TokenAuthentication: RouterMiddleware {
    typealias Context = DepotRequestContext
    let database: DepotDatabase
    let cache: RecentCache<ActingUser>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        // The scheme in any letter case, then one or more spaces (RFC 9110, 11.1 and 11.4).
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", case let token = parts[1].trimmingCharacters(in: .whitespaces),
            !token.isEmpty
        else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "the Authorization header is not \"Bearer TOKEN\"")
        }
        let hash = Credentials.hashToken(token)
        var context = context
        if let actor = cache.value(for: hash) {
            context.actor = actor
        } else {
            let database = database
            guard let user = try await ThreadPool.run({ try database.user(tokenHash: hash) }) else {
                throw APIError(status: .unauthorized, code: "unauthenticated", message: "unknown API token")
            }
            cache.remember(user.actor, for: hash)
            context.actor = user.actor
        }
        return try await next(request, context)
    }
}

/// Credentials found recently (API tokens, browser sessions), by hash, each for a few seconds: a change
/// to a user reaches requests within `lifetime`; signing out forgets the session at once. Unknown
/// credentials are never remembered. At most `capacity` entries; when full it starts afresh.
final class RecentCache<Value: Sendable>: @unchecked Sendable {
    static var lifetime: Duration { .seconds(10) }
    private static var capacity: Int { 10_000 }
    private let lock = NSLock()
    private var entries: [String: (value: Value, until: ContinuousClock.Instant)] = [:]

    func value(for hash: String) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[hash], entry.until > .now else { return nil }
        return entry.value
    }

    func remember(_ value: Value, for hash: String) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[hash] = (value, .now + Self.lifetime)
    }

    func forget(_ hash: String) {
        lock.lock()
        defer { lock.unlock() }
        entries[hash] = nil
    }

    /// Forgets everything (credentials changed somewhere).
    func forgetAll() {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll()
    }
}

/// The credentials a server remembers: API tokens and browser sessions, forgotten together when another server of
/// the database announces a change (`DepotDatabase.watchCredentialChanges`).
public final class CredentialCaches: Sendable {
    let tokens = RecentCache<ActingUser>()
    let sessions = RecentCache<WebSession>()

    public init() {}

    /// Forgets every remembered credential.
    public func forgetAll() {
        tokens.forgetAll()
        sessions.forgetAll()
    }
}

/// Listens for credential changes of other servers and commands (PostgreSQL's `LISTEN`; SQLite's counter, read every
/// second) and forgets the remembered credentials when one comes.
struct CredentialWatch: Service {
    let database: DepotDatabase
    let caches: CredentialCaches
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await database.watchCredentialChanges(logger: logger) { caches.forgetAll() }
        }
    }
}
