import Hummingbird

/// HEAD answered wherever GET is, as HTTP asks of every server (RFC 9110, 9.3.2): the request is routed as a GET and
/// its answer goes back with the same status and headers and no body: a length when the GET has one, none when the
/// GET streams without one. A streamed body is never started, so no file is read for it. HEAD is safe (9.2.1): a
/// handler whose GET records something (a secure upload's download, a customer's export) asks
/// `HeadRequestFlag.isHead` and records nothing. It wraps the router's responder: Hummingbird picks a route by path and method before any router
/// middleware runs, so a middleware could not change the method in time.
struct HeadRequests<Builder: HTTPResponderBuilder>: HTTPResponderBuilder {
    let router: Builder

    struct Responder: HTTPResponder {
        let routed: Builder.Responder

        func respond(to request: Request, context: Builder.Responder.Context) async throws -> Response {
            guard request.method == .head else { return try await routed.respond(to: request, context: context) }
            var head = request.head
            head.method = .get
            let answer = try await HeadRequestFlag.$isHead.withValue(true) {
                try await routed.respond(to: Request(head: head, body: request.body), context: context)
            }
            var bodiless = answer.createHeadResponse()
            bodiless.headers[.contentLength] = answer.headers[.contentLength]
            return bodiless
        }
    }

    func buildResponder() -> Responder { Responder(routed: router.buildResponder()) }
}

/// Whether the request being answered is a HEAD routed as a GET (`HeadRequests`), for the handlers whose GET has an
/// effect beyond its answer.
enum HeadRequestFlag {
    @TaskLocal static var isHead = false
}
