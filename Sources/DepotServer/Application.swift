import DepotCore
import DepotStore
import Foundation
import Hummingbird
import Logging

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Builds the Depot server on `database`: health and Prometheus metrics, the JSON API, errors as JSON.
public func buildApplication(database: DepotDatabase, configuration: ServerConfiguration, logger: Logger? = nil,
                             now: @escaping @Sendable () -> Instant = { Instant(Date()) }) -> some ApplicationProtocol
{
    Application(
        router: buildRouter(database: database, now: now),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Depot"),
        logger: logger ?? Logger(label: "depot"))
}

/// The router with every route of the server (the OpenAPI document lists the same).
public func buildRouter(database: DepotDatabase, now: @escaping @Sendable () -> Instant = { Instant(Date()) }) -> Router<DepotRequestContext> {
    let router = Router(context: DepotRequestContext.self)
    let metrics = ServerMetrics()
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.get("healthz") { _, _ in
        _ = try await Blocking.run { try database.schemaVersion() }
        return "ok\n"
    }
    router.get("metrics") { _, _ in
        let text = try await Blocking.run { try metrics.scrape(database) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let api = router.group("api/v1").add(middleware: TokenAuthentication(database: database))
    APIController(database: database, now: now).addRoutes(to: api)
    WorkflowController(database: database, now: now).addRoutes(to: api)
    router.get("api/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }
    return router
}
