import Hummingbird
import Logging

/// Logs each request's method and path, as Hummingbird's `LogRequestsMiddleware` does, with the secrets some paths
/// carry left out: a survey link's token is its only credential (SPEC.md 9), so `/survey/TOKEN` is logged as
/// `/survey/{token}`, and no query string is logged (reports' filters may name customers).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(
            level: level, "Request",
            metadata: [
                "hb.request.path": .string(Self.loggedPath(request.uri.path)), "hb.request.method": .string(request.method.rawValue),
            ])
        return try await next(request, context)
    }

    /// The path as the log shows it: a survey link's token replaced by `{token}`.
    static func loggedPath(_ path: String) -> String {
        let prefix = "/survey/"
        guard path.hasPrefix(prefix), path.count > prefix.count else { return path }
        return prefix + "{token}"
    }
}
