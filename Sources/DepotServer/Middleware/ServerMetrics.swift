import DepotCore
import DepotStore
import Foundation
import Prometheus

/// The server's metrics in the Prometheus text format: requests by method, route and status, their
/// latencies, and at each scrape the open cases and the RMAs by state.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "depot", metricName: metric, unitName: unit, helpText: help)
    }
    private static var requests: MetricNameDescriptor {
        name("http_requests", unit: "total", help: "HTTP requests by method, route and status.")
    }
    private static var durations: MetricNameDescriptor {
        name("http_request_duration", unit: "seconds", help: "HTTP request latencies by method and route.")
    }
    private static var openCases: MetricNameDescriptor { name("open_cases", help: "Cases neither resolved nor closed.") }
    private static var rmas: MetricNameDescriptor { name("rmas", help: "RMAs by state.") }

    func record(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.durations, labels: [("method", method), ("route", route)], buckets: Self.buckets)
            .record(duration)
    }

    /// The text of a scrape, with the database's gauges read now.
    func scrape(_ database: DepotDatabase) throws -> String {
        let gauges = try database.workload()
        registry.makeGauge(descriptor: Self.openCases).set(Double(gauges.openCases))
        for state in RMAState.allCases {
            registry.makeGauge(descriptor: Self.rmas, labels: [("state", state.rawValue)]).set(Double(gauges.rmasByState[state] ?? 0))
        }
        return registry.emitToString()
    }
}
