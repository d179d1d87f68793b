import ArgumentParser
import DepotCore
import DepotServer
import DepotStore
import Foundation
import Hummingbird
import Logging

/// `depot serve`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Depot over HTTP: the JSON API under /api/v1, /healthz.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: requests in flight finish, then the database closes."
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let database = try store.open()
        var logger = Logger(label: "depot")
        logger.logLevel = .info
        let app = buildApplication(database: database, configuration: ServerConfiguration(host: host, port: port), logger: logger)
        try await app.runService()
    }
}
