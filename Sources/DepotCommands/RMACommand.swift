import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot rma`: return-merchandise authorisations.
struct RMACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rma",
        abstract: "Return-merchandise authorisations: show, list, each step of the lifecycle, and the decision rule.",
        discussion: """
            Advance replacement: approved -> allocated -> shipped -> delivered -> return-shipped -> return-received -> closed.
            Return then replace: awaiting-return -> return-received -> allocated -> shipped -> delivered -> closed.
            Sales referral: referred -> closed (purchased or declined). An RMA can be cancelled with a reason until its replacement ships.
            """,
        subcommands: [
            Show.self, List.self, Allocate.self, Ship.self, Deliver.self, ReturnShip.self, Receive.self, Close.self,
            Cancel.self, Label.self, Decide.self,
        ]
    )

    /// `depot rma show`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an RMA: path, state, deadlines, reason, units, allowed next steps, history.")
        @Argument(help: "The RMA number (RMA-YYYY-NNNNNN).") var number: String
        @Option(help: ArgumentHelp("Judge 'overdue' at this instant. Default: now.", valueName: "instant"), transform: Parse.instant)
        var at: Instant?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let d = try store.open().rmaDetail(RMANumber.named(number), now: at ?? Instant(Date()))
            if output.resolved == .json { return try Output.json(d) }
            var rows: [[String]] = [
                ["rma", d.number.text], ["case", d.caseNumber.text], ["path", d.path.rawValue], ["state", d.state.rawValue],
                ["serial", "\(d.serial) (\(d.model))"], ["customer", [d.customer, d.site].compactMap { $0 }.joined(separator: " / ")],
                ["replacement", d.replacementSerial?.text ?? ""], ["ship by", d.shipBy?.description ?? ""],
                ["return due", d.returnDue?.description ?? ""], ["overdue", d.overdue ? "yes" : "no"],
                ["shipment", [d.carrier, d.tracking].compactMap { $0 }.joined(separator: " ")],
                ["return", [d.returnCarrier, d.returnTracking].compactMap { $0 }.joined(separator: " ")],
                ["why", d.reason], ["next", d.allowedNext.map(\.rawValue).joined(separator: ", ")],
            ]
            if let outcome = d.outcome { rows.append(["outcome", outcome]) }
            if let reason = d.cancelReason { rows.append(["cancelled", reason]) }
            for step in d.history ?? [] {
                rows.append([step.at.description, "\(step.action) -> \(step.to) by \(step.actor)" + (step.note.map { ": \($0)" } ?? "")])
            }
            Output.rows(["field", "value"], rows, format: output.resolved)
        }
    }

    /// `depot rma list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List RMAs, newest first.")
        @Option(help: "Only RMAs in this state.") var state: RMAState?
        @Option(help: "Only RMAs on this path.") var path: RMAPath?
        @Option(help: "Only this customer's RMAs.") var customer: String?
        @Flag(help: "Only open RMAs.") var open = false
        @Flag(help: "Only overdue RMAs.") var overdue = false
        @Option(parsing: .unconditional, help: "At most this many.") var limit = 1000

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit \(limit) must be at least 1") }
        }
        @Option(help: ArgumentHelp("Judge 'overdue' at this instant. Default: now.", valueName: "instant"), transform: Parse.instant)
        var at: Instant?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let list = try store.open().rmas(
                RMAFilter(state: state, path: path, customer: customer, openOnly: open, overdueOnly: overdue),
                now: at ?? Instant(Date()), limit: limit)
            if output.resolved == .json { return try Output.json(list) }
            Output.rows(
                ["rma", "path", "state", "serial", "customer", "replacement", "ship by", "return due", "overdue"],
                list.map {
                    [
                        $0.number.text, $0.path.rawValue, $0.state.rawValue, $0.serial.text, $0.customer ?? "",
                        $0.replacementSerial?.text ?? "",
                        $0.shipBy?.description ?? "", $0.returnDue?.description ?? "", $0.overdue ? "yes" : "no",
                    ]
                },
                format: output.resolved)
        }
    }

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a spare aside for the RMA.",
            discussion: "Without --serial: a spare of the same model, else of its successor, from a depot in the site's region first.")
        @Option(help: "The spare's serial number.") var serial: String?
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                let spare = try db.allocate(rma: number, serial: Serial.namedIfPresent(serial, field: "--serial"), at: at, actor: actor)
                return ["replacementSerial": spare.text]
            }
        }
    }

    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ship the allocated replacement to the customer's site.")
        @Option(help: "The carrier.") var carrier: String
        @Option(help: "The tracking number.") var tracking: String
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.ship(rma: number, carrier: carrier, tracking: tracking, at: at, actor: actor)
                return [:]
            }
        }
    }

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the replacement's delivery (starts the return clock of an advance replacement).")
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.deliver(rma: number, at: at, actor: actor); return [:]
            }
        }
    }

    struct ReturnShip: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "return-ship", abstract: "Record that the customer shipped the defective unit back.")
        @Option(help: "The carrier.") var carrier: String?
        @Option(help: "The tracking number.") var tracking: String?
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.returnShip(rma: number, carrier: carrier, tracking: tracking, at: at, actor: actor)
                return [:]
            }
        }
    }

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the defective unit's arrival (starts the ship clock of a return-then-replace).",
            discussion: "With --serial, the serial read off the unit that arrived: another unit's is refused.")
        @Option(help: "The serial read off the returned unit (scanned).") var serial: String?
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.receive(rma: number, serial: Serial.namedIfPresent(serial, field: "--serial"), at: at, actor: actor); return [:]
            }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an RMA; a sales referral needs --outcome.")
        @Option(help: "purchased or declined (sales referrals only).") var outcome: ReferralOutcome?
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.closeRMA(number, outcome: outcome, at: at, actor: actor); return [:]
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel an RMA whose replacement has not shipped; an allocated spare goes back to stock.")
        @Option(help: "Why.") var reason: String
        @OptionGroup var step: RMAStep
        func run() throws {
            try step.run { db, number, at, actor in
                try db.cancelRMA(number, reason: reason, at: at, actor: actor); return [:]
            }
        }
    }

    /// `depot rma label`
    struct Label: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the printable shipping label of an RMA as SVG (100 x 150 mm).",
            discussion: """
                The label has the RMA number as a Code 128 barcode (with the number in text beneath), the ship-to and \
                return-to addresses, the model and serial numbers, and the carrier and tracking number once known. \
                Without --return: the replacement, from its depot to the customer's site; with --return: the defective \
                unit back to the depot. The web UI's RMA page links the same label, ready to print.
                """)
        @Argument(help: "The RMA number (RMA-YYYY-NNNNNN).") var number: String
        @Flag(name: .customLong("return"), help: "The label for sending the defective unit back.") var returnLabel = false
        @Option(help: ArgumentHelp("Where to write the SVG (- for standard output).", valueName: "file.svg")) var output: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let label = try store.open().rmaLabel(RMANumber.named(number), direction: returnLabel ? .return : .replacement)
            let svg: String
            do { svg = try label.svg() } catch { throw DepotError.refused(subject: label.rma, reason: error.description) }
            if output == "-" { return Output.write(svg) }
            try AtomicFile.write(Data(svg.utf8), to: output)
        }
    }

    /// `depot rma decide`
    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide what happens to a defective unit: advance replacement, return then replace, or sales referral.",
            discussion:
                "The decision uses the contract tier and the warranty on the verdict's day in the home time zone of the unit's region."
        )

        @Option(help: "The customer's active contract tier: standard, premium, premium-plus, or none.") var tier: TierArgument
        @Option(name: .customLong("ship-date"), help: "The unit's ship date (YYYY-MM-DD).", transform: Parse.date) var shipDate: LocalDate
        @Option(parsing: .unconditional, help: "The unit's warranty length in months.") var months: Int
        @Option(
            name: .customLong("verdict-at"), help: "When the unit was found defective (ISO 8601 with a UTC offset).",
            transform: Parse.instant)
        var verdictAt: Instant
        @Option(help: "The region of the unit's site.") var region: String
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            guard (0...600).contains(months) else { throw ValidationError("--months \(months) is outside 0 to 600") }
        }

        struct Answer: Encodable {
            let path: String
            @NullEncodable var shipBy: Instant?
            let reason: String
            let warrantyEnd: LocalDate
            let inWarranty: Bool
            let verdictDay: LocalDate

            enum CodingKeys: String, CodingKey { case path, shipBy, reason, warrantyEnd, inWarranty, verdictDay }
        }

        func run() throws {
            let policy = try policy.load()
            let region = try policy.region(region)
            let decision = try RMAEngine.decide(
                tier: tier.tier, shipDate: shipDate, warrantyMonths: months, verdictAt: verdictAt,
                region: region, clock: BusinessClock(region: region), deadlines: policy.rma)
            let answer = Answer(
                path: decision.path.rawValue, shipBy: decision.shipBy, reason: decision.reason,
                warrantyEnd: decision.warrantyEnd, inWarranty: decision.inWarranty, verdictDay: decision.verdictDay)
            if output.resolved == .json {
                try Output.json(answer)
            } else {
                Output.rows(
                    ["path", "ship by", "reason"], [[answer.path, answer.shipBy?.description ?? "", answer.reason]],
                    format: output.resolved)
            }
        }
    }
}

/// The options of every RMA step, and how it reports.
struct RMAStep: ParsableArguments {
    @Argument(help: "The RMA number (RMA-YYYY-NNNNNN).") var number: String
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run(_ body: (DepotDatabase, RMANumber, Instant, ActingUser) throws -> [String: String?]) throws {
        let database = try store.open()
        let number = try RMANumber.named(self.number)
        let extra = try body(database, number, at.instant, store.actor)
        let d = try database.rmaDetail(number, now: at.instant)
        if output.resolved == .json {
            var fields: [String: String?] = [
                "rma": d.number.text, "state": d.state.rawValue, "shipBy": d.shipBy?.description,
                "returnDue": d.returnDue?.description,
            ]
            fields.merge(extra) { _, new in new }
            return try Output.json(KeyedAnswer(fields: fields))
        }
        var text = "\(d.number): \(d.state.rawValue)"
        if let replacement = d.replacementSerial { text += ", replacement \(replacement)" }
        if let due = d.returnDue, d.receivedPending { text += ", return due \(due)" }
        if let shipBy = d.shipBy, d.shipPending { text += ", ship by \(shipBy)" }
        Output.write(text + "\n")
    }
}

extension RMADetail {
    var receivedPending: Bool { [.delivered, .returnShipped].contains(state) }
    var shipPending: Bool { [.approved, .allocated, .returnReceived].contains(state) }
}
