import HTTPTypes
import Hummingbird

/// Issue 19: nothing Depot answers may be kept by a shared cache or read as another type than it says. Every
/// response that does not say otherwise (the stylesheet and script say `max-age`) is sent `Cache-Control: private,
/// no-store` and `X-Content-Type-Options: nosniff`: pages, the API's JSON and CSV, and errors alike.
struct PrivateResponsesMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // An error becomes its response here (Hummingbird would do it after every middleware), to get the headers.
            response = try error.response(from: request, context: context)
        }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "private, no-store" }
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
        return response
    }
}
