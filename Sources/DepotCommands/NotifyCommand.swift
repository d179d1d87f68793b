import ArgumentParser
import DepotCore
import DepotNotify
import DepotStore
import Foundation
import Logging
import ServiceLifecycle

extension NotificationTarget: ExpressibleByArgument {}
extension PayloadFormat: ExpressibleByArgument {}

/// `depot notify`: where notifications go.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Notifications to webhooks: endpoints, delivery, the queue.",
        subcommands: [Endpoint.self, Deliver.self, Overdue.self, List.self, Retry.self, Test.self]
    )

    /// The worker's settings, shared by `deliver` and `serve`.
    struct DeliveryOptions: ParsableArguments {
        @Option(parsing: .unconditional, help: "Seconds a receiver may take to answer.") var timeout: Double = 10
        @Option(parsing: .unconditional, help: "Hours after which a notification that keeps failing is dead.") var giveUpHours: Double = 24

        func validate() throws {
            guard timeout > 0, timeout <= 3600 else {
                throw ValidationError("--timeout \(timeout) must be more than 0 and at most 3600 seconds")
            }
            guard giveUpHours > 0, giveUpHours <= 24 * 365 else {
                throw ValidationError("--give-up-hours \(giveUpHours) must be more than 0 and at most 8760")
            }
        }

        var policy: DeliveryPolicy {
            var policy = DeliveryPolicy()
            policy.timeout = timeout
            policy.giveUpAfter = Int64(giveUpHours * 3600)
            return policy
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver due notifications to their endpoints (for cron with --once; depot serve does this by itself).",
            discussion: """
                Each request is a POST of JSON (or Slack's {"text": ...}) with Idempotency-Key (the same on every attempt), \
                X-Depot-Timestamp and X-Depot-Signature. Failures (no connection, a timeout, 5xx, 429) are retried with \
                exponential backoff and jitter (429's Retry-After is honoured); other 4xx answers are not retried; a \
                notification that still fails after --give-up-hours is dead (depot notify retry ID).
                """
        )
        @Flag(help: "One round, then stop (else every 5 seconds until interrupted).") var once = false
        @OptionGroup var delivery: DeliveryOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let deliverer = WebhookDeliverer(database: try store.open(), policy: delivery.policy)
            let json = output.resolved == .json
            if once {
                try Self.show(try await deliverer.deliverDue(), json: json, always: true)
                return
            }
            // Every 5 seconds until SIGTERM or SIGINT, which let the round in progress finish.
            let logger = Logger(label: "depot")
            let work = ScheduledWork.delivery(deliverer, clock: WallClock(), logger: logger) { report in
                try? Self.show(report, json: json, always: false)
            }
            try await ServiceGroup(services: [work], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
        }

        private static func show(_ report: DeliveryReport, json: Bool, always: Bool) throws {
            if json {
                try Output.json(report)
            } else if always || report != DeliveryReport() {
                Output.write(
                    "delivered \(report.delivered), retrying \(report.retrying), dead \(report.dead), waiting for an endpoint \(report.waiting)\n"
                )
            }
        }
    }

    struct Overdue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "overdue-returns",
            abstract: "Queue a return-overdue notification for each defective unit not received by its return-due deadline.",
            discussion: "Each RMA is announced once per deadline, however often this runs; depot serve runs it every minute, cron can too."
        )
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let announced = try store.open().notifyOverdueReturns(at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(announced) }
            Output.rows(
                ["rma", "serial", "customer", "return_due"],
                announced.map { [$0.rma, $0.serial, $0.customer ?? "", $0.returnDue.description] }, format: output.resolved)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The notification queue, newest first (never a secret).")
        @Option(help: "pending, delivered or dead.") var state: String?
        @Option(parsing: .unconditional, help: "How many at most.") var limit = 100

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit \(limit) must be at least 1") }
        }
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let items = try store.open().notifications(state: state, limit: limit)
            if output.resolved == .json { return try Output.json(items) }
            Output.rows(
                ["id", "event", "target", "customer", "subject", "state", "attempts", "next attempt", "last error"],
                items.map {
                    [
                        String($0.id), $0.event, $0.target.rawValue, $0.customer ?? "", $0.subject, $0.state, String($0.attempts),
                        $0.state == "pending" ? $0.nextAttemptAt.description : "", $0.lastError ?? "",
                    ]
                },
                format: output.resolved)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a dead or waiting notification due now, with a fresh give-up time.")
        @Argument(help: "The notification's id (depot notify list).") var id: Int64
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions

        func run() throws {
            try store.open().retryNotification(id, at: at.instant, actor: store.actor)
            Output.write("notification \(id) is due again\n")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test notification to a target's endpoint now and say how it went.",
            discussion:
                "Only the test notification is sent; the rest of the queue is left to the worker. A failed test stays queued and is retried like any other."
        )
        @Argument(help: ArgumentHelp("The target: \(NotificationTarget.allCases.map(\.rawValue).joined(separator: ", ")).")) var target:
            NotificationTarget
        @Option(help: "Use this customer's own endpoint for the target, if it has one.") var customer: String?
        @OptionGroup var delivery: DeliveryOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let database = try store.open()
            let id = try database.queueTestNotification(target: target, customer: customer, at: Instant(Date()), actor: store.actor)
            let sent = try await WebhookDeliverer(database: database, policy: delivery.policy).deliver(id: id)
            if sent.state == "delivered" {
                Output.write("notification \(id) delivered\n")
            } else {
                throw DepotError.refused(subject: "notification \(id)", reason: "not delivered: \(sent.lastError ?? sent.state)")
            }
        }
    }

    struct Endpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Webhook endpoints per target (leadership, tam, account-manager, logistics), optionally per customer.",
            subcommands: [Add.self, ListEndpoints.self, Remove.self]
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
        @Argument(help: ArgumentHelp("The target: \(NotificationTarget.allCases.map(\.rawValue).joined(separator: ", ")).")) var target:
            NotificationTarget
        @Argument(help: "The http:// or https:// URL to POST to.") var url: String
        @Option(help: "The signing secret (at least 16 characters), or - to read it from standard input.") var secret: String
        @Option(help: "Only this customer's notifications of the target go here.") var customer: String?
        @Option(help: "json (the full event) or slack ({\"text\": ...}).") var format: PayloadFormat = .json
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions

        func run() throws {
            var secret = secret
            if secret == "-" { secret = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces) }
            let id = try store.open().addEndpoint(
                target: target, url: url, secret: secret, customer: customer, format: format,
                at: at.instant, actor: store.actor)
            Output.write("endpoint \(id): \(target.rawValue)\(customer.map { " for \($0)" } ?? "") -> \(url) (\(format.rawValue))\n")
        }
    }

    struct ListEndpoints: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the endpoints (never their secrets).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let endpoints = try store.open().endpoints()
            if output.resolved == .json { return try Output.json(endpoints) }
            Output.rows(
                ["id", "target", "customer", "url", "format", "created"],
                endpoints.map {
                    [String($0.id), $0.target.rawValue, $0.customer ?? "", $0.url, $0.format.rawValue, $0.createdAt.description]
                },
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
