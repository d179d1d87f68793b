import Hummingbird

/// HEAD answered wherever GET is, as HTTP asks of every server (RFC 9110, 9.3.2): the request is routed as a GET and
/// its answer goes back with the same status and headers (Content-Length included) and no body. A streamed body is
/// never started, so no file is read for it. It wraps the router's responder: Hummingbird picks a route by path and
/// method before any router middleware runs, so a middleware could not change the method in time.
struct HeadRequests<Builder: HTTPResponderBuilder>: HTTPResponderBuilder {
    let router: Builder

    struct Responder: HTTPResponder {
        let routed: Builder.Responder

        func respond(to request: Request, context: Builder.Responder.Context) async throws -> Response {
            guard request.method == .head else { return try await routed.respond(to: request, context: context) }
            var head = request.head
            head.method = .get
            return try await routed.respond(to: Request(head: head, body: request.body), context: context).createHeadResponse()
        }
    }

    func buildResponder() -> Responder { Responder(routed: router.buildResponder()) }
}
