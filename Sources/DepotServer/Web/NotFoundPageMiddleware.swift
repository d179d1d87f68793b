import Hummingbird

/// An address that matches no route, outside the API, answered with the not-found page (404) instead of an empty
/// 404; the API (`/api/...`) keeps its own answer. Added to the router after every route, so that it wraps only the
/// router's not-found responder (a Hummingbird router middleware applies to the routes added after it, and to that
/// responder); it signs the request in from its session cookie itself, as the pages' middleware does.
struct NotFoundPageMiddleware: RouterMiddleware {
    typealias Context = DepotRequestContext
    let renderer: PageRenderer
    let sessions: SessionAuthentication
    /// The router's paths and methods (added after every route, so it has them all).
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // A path the server has, asked with a method it does not answer there: 405 with the methods it does.
            let allowed = routes.methods(on: request.uri.path)
            if !allowed.isEmpty, Self.isAPI(request.uri.path) {
                var error = APIError(
                    status: .methodNotAllowed, code: "method-not-allowed",
                    message: "\(request.method.rawValue) is not an operation of this path: see /api/openapi.yaml")
                error.allow = allowed.map(\.rawValue)
                throw error
            }
            // The API answers in its own terms: the JSON error, never a page (the path is not repeated).
            guard !Self.isAPI(request.uri.path) else {
                throw APIError(status: .notFound, code: "not-found", message: "no such API route: see /api/openapi.yaml")
            }
            // A page's address asked with another method (a form's address opened in the browser): the same page,
            // as 405 with the methods the address does answer.
            var response = try await sessions.handle(request, context: context) { request, context in
                renderer.render(
                    NotFoundPage(path: request.uri.path), context: context, status: allowed.isEmpty ? .notFound : .methodNotAllowed)
            }
            if !allowed.isEmpty { response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ") }
            return response
        }
    }

    /// Whether `path` is the JSON API's.
    static func isAPI(_ path: String) -> Bool {
        path == "/api" || path.hasPrefix("/api/")
    }
}
