import DepotStore
import Hummingbird
import NIOPosix

/// Signs in API requests that carry `Authorization: Bearer TOKEN`: the token's SHA-256 is looked up among
/// the users. A request without the header passes on unauthenticated (routes that need a user say 401);
/// a wrong token is a 401 at once.
struct TokenAuthentication: RouterMiddleware {
    typealias Context = DepotRequestContext
    let database: DepotDatabase

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.hasPrefix("Bearer "), case let token = String(header.dropFirst(7)), !token.isEmpty else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "the Authorization header is not \"Bearer TOKEN\"")
        }
        let database = database
        let hash = Credentials.hashToken(token)
        guard let user = try await Blocking.run({ try database.user(tokenHash: hash) }) else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "unknown API token")
        }
        var context = context
        context.actor = user.actor
        return try await next(request, context)
    }
}

/// Runs the store's blocking SQLite calls on NIO's thread pool, away from the event loops and Swift's
/// cooperative threads.
enum Blocking {
    static func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
