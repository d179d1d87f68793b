import ArgumentParser
import DepotCore
import DepotStore
import Foundation

extension NotificationTarget: ExpressibleByArgument {}
extension PayloadFormat: ExpressibleByArgument {}

/// `depot notify`: where notifications go.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Notifications to webhooks: their endpoints.",
        subcommands: [Endpoint.self]
    )

    struct Endpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Webhook endpoints per target (leadership, tam, account-manager, logistics), optionally per customer.",
            subcommands: [Add.self, List.self, Remove.self]
        )
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the endpoint of a target, or of a target for one customer.",
            discussion: """
                Requests are signed with the secret: X-Depot-Timestamp (Unix seconds) and X-Depot-Signature: sha256=<hex of \
                HMAC-SHA256(secret, "<timestamp>.<body>")>. The secret is stored sealed (AES-GCM) with the key file beside the \
                database (DB.key, made on first use) and is never printed. --secret - reads it from standard input, which keeps \
                it out of the shell history and the process list.
                """
        )
        @Argument(help: "leadership, tam, account-manager or logistics.") var target: NotificationTarget
        @Argument(help: "The http:// or https:// URL to POST to.") var url: String
        @Option(help: "The signing secret (at least 16 characters), or - to read it from standard input.") var secret: String
        @Option(help: "Only this customer's notifications of the target go here.") var customer: String?
        @Option(help: "json (the full event) or slack ({\"text\": ...}).") var format: PayloadFormat = .json
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions

        func run() throws {
            var secret = secret
            if secret == "-" { secret = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces) }
            let id = try store.open().addEndpoint(target: target, url: url, secret: secret, customer: customer, format: format,
                                                  at: at.instant, actor: store.actor)
            Output.write("endpoint \(id): \(target.rawValue)\(customer.map { " for \($0)" } ?? "") -> \(url) (\(format.rawValue))\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the endpoints (never their secrets).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let endpoints = try store.open().endpoints()
            if output.resolved == .json { return try Output.json(endpoints) }
            Output.rows(["id", "target", "customer", "url", "format", "created"],
                        endpoints.map { [String($0.id), $0.target.rawValue, $0.customer ?? "", $0.url, $0.format.rawValue, $0.createdAt.description] },
                        format: output.resolved)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an endpoint by its id (depot notify endpoint list).")
        @Argument(help: "The endpoint's id.") var id: Int64
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions

        func run() throws {
            try store.open().removeEndpoint(id, at: at.instant, actor: store.actor)
            Output.write("endpoint \(id) removed\n")
        }
    }
}
