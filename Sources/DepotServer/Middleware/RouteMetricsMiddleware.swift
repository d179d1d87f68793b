import Hummingbird

/// Records every request's method, route, status and duration in `ServerMetrics`. Named apart from Hummingbird's own
/// `MetricsMiddleware`, which reports through swift-metrics instead.
struct RouteMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        // The router has matched the route already: its pattern (`/api/v1/units/{serial}`) keeps the labels few.
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.record(
                method: request.method.rawValue, route: route, status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(method: request.method.rawValue, route: route, status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
