import ArgumentParser
import DepotCore
import DepotNotify
import DepotServer
import DepotStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `depot serve`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Depot over HTTP: the web UI, the JSON API under /api/v1, /healthz and /metrics; deliver notifications.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: requests in flight finish, then the database closes."
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "Mark the session cookie Secure (serve behind a TLS proxy).") var secureCookies = false
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy (address or CIDR block) whose X-Forwarded-For names the client; repeat for several.",
            discussion: "Without one, limits per client address count the connection's address: behind a proxy, its."))
    var trustedProxies: [String] = []
    @Option(
        help: ArgumentHelp(
            "full: every answered change is on disk (survives a power cut); normal: only consistent after one (SQLite).",
            valueName: "full|normal"))
    var durability: Durability = .full
    @Option(help: ArgumentHelp("Take backups into this folder while serving (depot backup's, named by time).", valueName: "dir"))
    var backupDir: String?
    @Option(help: ArgumentHelp("How often to take a backup: 24h, 30m, 3600s.", valueName: "interval")) var backupEvery = "24h"
    @Option(help: "How many backups to keep in --backup-dir (the oldest go first).") var backupKeep = 7
    @Option(help: "Seconds a connection may stay idle, or take to send a request's head, before it is closed.")
    var idleTimeout: Int64 = 30
    @Option(help: "The least bytes a request body must send every 10 seconds while it is read, else its connection is closed.")
    var minimumBodyBytes = 1024
    @Option(help: "The least level logged: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(parsing: .unconditional, help: "Event-loop threads (network I/O only; default: half the cores, at least 1).")
    var eventLoopThreads: Int?
    @Flag(help: .hidden) var benchmarkRoutes = false
    @Flag(help: "Do not deliver notifications or check escalations in this process (another runs `depot notify deliver`).") var noWorker =
        false
    @OptionGroup var delivery: NotifyCommand.DeliveryOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw DepotError.invalidArgument(
                name: "--log-level", value: logLevel, reason: "one of trace, debug, info, notice, warning, error, critical")
        }
        if let threads = eventLoopThreads, !(1...256).contains(threads) {
            throw DepotError.invalidArgument(name: "--event-loop-threads", value: String(threads), reason: "between 1 and 256")
        }
        if case .postgres = try store.target() { ThreadPool.prepareForNetworkStore() }
        let database = try store.open(durability: durability)
        var logger = Logger(label: "depot")
        logger.logLevel = level
        var configuration = ServerConfiguration(
            host: host, port: port, secureCookies: secureCookies, benchmarkRoutes: benchmarkRoutes,
            eventLoopThreads: eventLoopThreads)
        configuration.trustedProxies = try TrustedProxies(trustedProxies)
        guard (1...3600).contains(idleTimeout) else {
            throw DepotError.invalidArgument(name: "--idle-timeout", value: String(idleTimeout), reason: "between 1 and 3600 seconds")
        }
        guard (0...(1 << 30)).contains(minimumBodyBytes) else {
            throw DepotError.invalidArgument(name: "--minimum-body-bytes", value: String(minimumBodyBytes), reason: "between 0 and 2^30")
        }
        (configuration.idleTimeout, configuration.minimumBodyBytes) = (idleTimeout, minimumBodyBytes)
        let clock = WallClock()
        let work: [any Service] =
            noWorker
            ? []
            : [
                ScheduledWork.escalations(database, clock: clock, logger: logger),
                ScheduledWork.overdueReturns(database, clock: clock, logger: logger),
                ScheduledWork.retention(database, clock: clock, logger: logger),
                ScheduledWork.delivery(WebhookDeliverer(database: database, policy: delivery.policy), clock: clock, logger: logger),
            ]
        // Backups are asked for by name: taken even by a server that leaves the other work to another process.
        let services = work + (try backups(database, clock: clock, logger: logger))
        let app = try buildApplication(database: database, configuration: configuration, services: services, logger: logger)
        try await app.runService()
        logger.info("stopped; the database is closed")
    }

    /// The backup service `--backup-dir` asks for, checked before the server starts.
    private func backups(_ database: DepotDatabase, clock: WallClock, logger: Logger) throws -> [any Service] {
        guard let backupDir else { return [] }
        guard let seconds = Self.seconds(backupEvery), (60...(366 * 86_400)).contains(seconds) else {
            throw DepotError.invalidArgument(
                name: "--backup-every", value: backupEvery, reason: "a number with h, m or s (24h, 30m), at least a minute")
        }
        guard (1...1000).contains(backupKeep) else {
            throw DepotError.invalidArgument(name: "--backup-keep", value: String(backupKeep), reason: "between 1 and 1000")
        }
        return [
            ScheduledWork.backups(database, into: backupDir, every: .seconds(seconds), keep: backupKeep, clock: clock, logger: logger)
        ]
    }

    /// "24h", "30m", "90s" in seconds.
    static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, let value = Int64(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "h": return value * 3600
        case "m": return value * 60
        case "s": return value
        default: return nil
        }
    }
}
