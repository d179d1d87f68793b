import DepotStore
import Foundation
import Hummingbird
import Logging

/// Logs each request's method and path, as Hummingbird's `LogRequestsMiddleware` does, with the secrets some paths
/// carry left out: a survey link's token is its only credential (SPEC.md 9), so `/survey/TOKEN` (and a token
/// anywhere in a path) is logged as `{token}`, and no query string is logged (reports' filters may name customers).
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

    /// The path as the log shows it: every segment shaped like a survey token, and the segment after any `survey`
    /// segment (in any letter case, wherever it is: `//survey/T` reaches the same page), replaced by `{token}`.
    static func loggedPath(_ path: String) -> String {
        var afterSurvey = false
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            let text = String(segment)
            let decoded = text.removingPercentEncoding ?? text
            defer { afterSurvey = decoded.lowercased() == "survey" }
            return afterSurvey || SurveyLinks.isWellFormed(decoded) ? "{token}" : text
        }
        return segments.joined(separator: "/")
    }
}
