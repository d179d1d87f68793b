import DepotCore
import DepotStore
import Foundation
import GRDB
import Hummingbird
import Prometheus

/// The server's metrics in the Prometheus text format: requests by method, route and status, their
/// latencies, and at each scrape the open cases and the RMAs by state.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                              .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    func record(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "depot_http_requests_total", labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(name: "depot_http_request_duration_seconds", labels: [("method", method), ("route", route)],
                                       buckets: Self.buckets).record(duration)
    }

    /// The text of a scrape, with the database's gauges read now.
    func scrape(_ database: DepotDatabase) throws -> String {
        let (open, states) = try database.read { db -> (Int, [String: Int]) in
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM support_case WHERE status NOT IN ('resolved', 'closed')") ?? 0
            var states: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM rma GROUP BY state") { states[row["state"]] = row["n"] }
            return (open, states)
        }
        registry.makeGauge(name: "depot_open_cases").set(Double(open))
        for state in RMAState.allCases {
            registry.makeGauge(name: "depot_rmas", labels: [("state", state.rawValue)]).set(Double(states[state.rawValue] ?? 0))
        }
        return registry.emitToString()
    }
}

/// Records every request's method, route, status and duration.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        // The router has matched the route already: its pattern (`/api/v1/units/{serial}`) keeps the labels few.
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.record(method: request.method.rawValue, route: route, status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(method: request.method.rawValue, route: route, status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
