import Crypto
import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Browser sessions: a random cookie value (only its SHA-256 is stored), HttpOnly and SameSite=Strict, and
/// a CSRF token per session that every form carries and every POST must send back.
enum WebSessions {
    static let cookieName = "depot_session"
    /// The sign-in form's own token (double-submit cookie), so that nobody can sign a browser in to another account.
    static let signInCookieName = "depot_signin"
    static let lifetime: Int64 = 12 * 3600

    static func cookie(_ value: String, maxAge: Int, secure: Bool, name: String = cookieName) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Compares two secrets in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// Signs in page requests that carry a live session cookie; others pass on unauthenticated.
/// Live sessions are remembered for a few seconds (`RecentCache`); signing out forgets one at once.
struct SessionAuthentication: RouterMiddleware {
    typealias Context = DepotRequestContext
    let database: DepotDatabase
    let now: @Sendable () -> Instant
    let cache: RecentCache<WebSession>
    var secureCookies = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // The viewer's zone, by IANA name; anything else is ignored.
        context.viewerZone = request.cookies["depot_zone"]?.value.removingPercentEncoding.flatMap { TimeZone(identifier: $0) }
        guard let flash = Flash.message(of: request) else { return try await signIn(request, context: context, next: next) }
        context.flash = flash
        return Flash.cleared(try await signIn(request, context: context, next: next), secure: secureCookies)
    }

    private func signIn(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let value = request.cookies[WebSessions.cookieName]?.value, !value.isEmpty else { return try await next(request, context) }
        let hash = Credentials.hashToken(value)
        let database = database
        let at = now()
        let session: WebSession
        if let known = cache.value(for: hash), known.expiresAt > at {
            session = known
        } else if let found = try await ThreadPool.run({ try database.session(idHash: hash, now: at) }) {
            cache.remember(found, for: hash)
            session = found
        } else {
            return try await next(request, context)
        }
        var context = context
        context.actor = session.user.actor
        context.csrfToken = Credentials.formToken(sessionID: value)
        context.sessionHash = hash
        return try await next(request, context)
    }
}
