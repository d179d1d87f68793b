import DepotCore
import Foundation
import Hummingbird

/// Errors on pages as pages: a request without a session goes to the sign-in page (and comes back after it),
/// every other error is shown with its status and message, escaped, with a way back.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = DepotRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let error: APIError
        do {
            return try await next(request, context)
        } catch let e as APIError {
            error = e
        } catch let e as DepotError {
            error = APIError(e)
            if error.code == "storage" { context.logger.error("storage failed", metadata: ["error": "\(e.message)"]) }
        } catch let e as HTTPError {
            error = APIError(status: e.status, code: "http", message: e.body ?? e.status.reasonPhrase)
        }
        if error.status == .unauthorized {
            // The whole address, query and all, so that a bookmarked view or a scanned search survives the sign-in.
            let path = request.uri.path
            let target = path + (request.uri.query.map { "?" + $0 } ?? "")
            let next =
                request.method == .get && path != "/"
                ? "?next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : ""
            return PageRenderer.redirect("/sign-in" + next)
        }
        let title =
            switch error.status {
            case .badRequest: "That did not work"
            case .forbidden: "Not allowed"
            case .notFound: "Not found"
            case .conflict: "Not possible now"
            default: "Something went wrong"
            }
        // A request about a record (`/rmas/RMA-…/ship`) links back to the record's page, unless the record is what
        // was not found.
        let segments = request.uri.path.split(separator: "/")
        let back =
            segments.count > 2 && ["cases", "rmas", "units", "customers"].contains(String(segments[0])) && error.status != .notFound
            ? "/\(segments[0])/\(segments[1])" : nil
        var response = renderer.render(
            ErrorPage(title: title, status: Int(error.status.code), message: error.message, code: error.code, back: back),
            context: context, status: error.status)
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}
