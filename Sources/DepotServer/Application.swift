import DepotCore
import DepotStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Marks the session cookie `Secure` (when a TLS proxy stands in front of the server).
    public var secureCookies: Bool
    /// Mounts `GET /api/v1/constant`, a constant answer behind the same middleware as the API: the
    /// benchmark's reference route (off unless the benchmark asks for it).
    public var benchmarkRoutes: Bool
    /// Threads of the event loops, which only move bytes (handlers run on Swift's cooperative pool, database
    /// work on the blocking pool). `nil`: half the cores, at least one. Measured on two cores under wrk: one
    /// event-loop thread serves the unit API 12-20% faster than two (fewer threads competing for the cores).
    public var eventLoopThreads: Int?
    /// How a password is checked against its bcrypt hash (a test counts the checks).
    public var verifyPassword: @Sendable (String, String) -> Bool = { Credentials.verify($0, hash: $1) }
    /// Password checks running or waiting at once before another is refused with 503 (`PasswordChecks`).
    public var passwordCheckLimit = 32
    /// The proxies whose `X-Forwarded-For` names the client (`depot serve --trusted-proxy`).
    public var trustedProxies = TrustedProxies.none
    /// Seconds a connection may stay idle between requests, and the longest a request's head may take to arrive
    /// (nothing counts as activity before it is complete), before the connection is closed.
    public var idleTimeout: Int64 = 30
    /// The least a request body must send per `rateWindow` seconds while it is read, else the connection is closed.
    public var minimumBodyBytes = 1024
    public var rateWindow: Int64 = 10

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false, benchmarkRoutes: Bool = false,
        eventLoopThreads: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.benchmarkRoutes = benchmarkRoutes
        self.eventLoopThreads = eventLoopThreads
    }

    /// The event-loop threads to start.
    public var resolvedEventLoopThreads: Int {
        eventLoopThreads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    }
}

/// Builds the Depot server on `database`: health and Prometheus metrics, the web UI, the JSON API; `services` (the
/// background work) run beside it in its service group and stop after it on SIGTERM or SIGINT.
public func buildApplication(
    database: DepotDatabase, configuration: ServerConfiguration, services: [any Service] = [], logger: Logger? = nil,
    now: @escaping @Sendable () -> Instant = { Instant(Date()) }
) throws -> some ApplicationProtocol {
    let caches = CredentialCaches()
    let logger = logger ?? Logger(label: "depot")
    // Several servers on one PostgreSQL database: a sign-out on one reaches the others' remembered sessions at once.
    // Every server watches: PostgreSQL's LISTEN, or the SQLite file's credentials counter (a `depot user` command
    // run beside the server).
    let watch: [any Service] = [CredentialWatch(database: database, caches: caches, logger: logger)]
    let (minimumBytes, window) = (configuration.minimumBodyBytes, TimeAmount.seconds(configuration.rateWindow))
    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [MinimumRateHandler(minimumBytes: minimumBytes, window: window)],
        idleTimeout: .seconds(configuration.idleTimeout))
    return Application(
        router: HeadRequests(
            router: try buildRouter(database: database, configuration: configuration, caches: caches, now: now, logger: logger)),
        server: .http1(configuration: http),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Depot"),
        services: watch + services,
        eventLoopGroupProvider: .shared(EventLoopGroups.shared(threads: configuration.resolvedEventLoopThreads)),
        logger: logger)
}

/// The router with every route of the server (the OpenAPI document lists the same).
public func buildRouter(
    database: DepotDatabase, configuration: ServerConfiguration = ServerConfiguration(), caches: CredentialCaches = CredentialCaches(),
    now: @escaping @Sendable () -> Instant = { Instant(Date()) }, logger: Logger = Logger(label: "depot")
) throws -> Router<DepotRequestContext> {
    let renderer = try PageRenderer.load()
    let router = Router(context: DepotRequestContext.self)
    let metrics = ServerMetrics()
    router.add(middleware: ClientAddressMiddleware(proxies: configuration.trustedProxies))
    router.add(middleware: RequestLogMiddleware(level: .info))
    router.add(middleware: RouteMetricsMiddleware(metrics: metrics))
    // Outside the error middleware, so that errors get the headers too.
    router.add(middleware: PrivateResponsesMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.get("healthz") { _, _ in
        _ = try await ThreadPool.run { try database.schemaVersion() }
        return "ok\n"
    }
    router.get("metrics") { _, _ in
        let text = try await ThreadPool.run { try metrics.scrape(database) }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let api = router.group("api/v1").add(middleware: TokenAuthentication(database: database, cache: caches.tokens))
    let passwordChecks = PasswordChecks(limit: configuration.passwordCheckLimit)
    APIController(database: database, now: now, passwordChecks: passwordChecks).addRoutes(to: api)
    WorkflowController(database: database, now: now).addRoutes(to: api)
    AttachmentController(database: database, now: now).addRoutes(to: api)
    if configuration.benchmarkRoutes {
        api.get("constant") { _, context in
            _ = try context.requireActor()
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"serial":"CONSTANT"}"#)))
        }
    }
    let sessions = caches.sessions
    let signIn = SessionAuthentication(database: database, now: now, cache: sessions, secureCookies: configuration.secureCookies)
    // Sign-in outside the error pages, so that an error page shows the signed-in user's navigation and search box.
    let web = router.group().add(middleware: signIn).add(middleware: WebErrorMiddleware(renderer: renderer))
    let pages = PageEnvironment(
        database: database, renderer: renderer, now: now, secureCookies: configuration.secureCookies, passwordChecks: passwordChecks)
    WebRoutes.add(
        to: web, pages: pages, sessions: sessions, signInForms: SignInFormTokens(database: database, logger: logger),
        verifyPassword: configuration.verifyPassword)
    router.get("api/openapi.yaml") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }
    // Last: it wraps only the responder of addresses that match no route (see NotFoundPageMiddleware).
    router.add(middleware: NotFoundPageMiddleware(renderer: renderer, sessions: signIn, routes: RouteMethods(router.routes)))
    return router
}

/// One event-loop group per thread count for the life of the process (as NIO's own singleton), so that servers
/// built one after another (tests, a restart in the same process) share it instead of each leaving threads behind.
enum EventLoopGroups {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var groups: [Int: MultiThreadedEventLoopGroup] = [:]

    static func shared(threads: Int) -> MultiThreadedEventLoopGroup {
        lock.lock()
        defer { lock.unlock() }
        if let group = groups[threads] { return group }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        groups[threads] = group
        return group
    }
}
