import ArgumentParser
import DepotCore
import DepotServer
import DepotStore
import Foundation

/// `depot case`: support cases.
struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract:
            "Support cases: open, respond, workaround, wait, resume, resolve, close, show, list, assign, take, priority, escalate, recompute.",
        subcommands: [
            Open.self, Respond.self, Workaround.self, Wait.self, Resume.self, Resolve.self, Reopen.self, Close.self, Show.self, List.self,
            Assign.self, Take.self, PriorityCommand.self, Escalate.self, Recompute.self, Attach.self, Attachments.self,
            AttachmentCommand.self,
        ]
    )

    /// `depot case open`
    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a case and print its number.",
            discussion: """
                The priority is suggested from impact x urgency; --priority sets another with --reason. A P1 needs a \
                designated contact under an active contract. The response and escalation deadlines of the policy in \
                force are stored with the case. A hardware-fault case names its unit, which becomes suspect.
                """
        )

        @Option(help: "The customer's key.") var customer: String
        @Option(help: "The reporting contact's e-mail address.") var contact: String
        @Option(help: "hardware-fault, product-defect, question, custom-development or enhancement.") var type: CaseType
        @Option(help: "The unit's serial number (required for a hardware fault).") var serial: String?
        @Option(help: "high, medium or low.") var impact: Level
        @Option(help: "high, medium or low.") var urgency: Level
        @Option(help: "A one-line summary.") var title: String
        @Option(help: "The details.") var description: String = ""
        @Option(help: "P1 to P4, when it differs from the suggestion.") var priority: Priority?
        @Option(help: "Why the priority differs from the suggestion.") var reason: String?
        @Option(name: .customLong("software-version"), help: "The software version the case is about (default: the unit's).")
        var softwareVersion: String?
        @Option(help: "The customer's after-hours PIN, for a premium case opened while its region is closed.") var pin: String?
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            var request = try NewCase(
                customer: customer, contact: contact, type: type, serial: Serial.namedIfGiven(serial), impact: impact, urgency: urgency,
                title: title, description: description, priority: priority, priorityReason: reason, softwareVersion: softwareVersion)
            request.pin = try database.checkPIN(customer: customer, pin: pin, verify: Credentials.verify)
            let number = try database.openCase(request, at: at.instant, actor: store.actor)
            let note = try database.caseDetail(number, now: at.instant).clockNote
            if output.resolved == .json {
                try Output.json(OpenedAnswer(case: number.text, clockNote: note))
            } else {
                Output.write(number.text + "\n")
                if let note { Output.writeError("note: \(note)\n") }
            }
        }
    }

    struct Respond: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the first engineer response (stops the response clock).")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.respond) }
    }

    struct Workaround: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a workaround (also a response, if none was given).")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.workaround) }
    }

    struct Wait: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait on the customer: the escalation clocks stop (the response clock does not).",
            discussion: """
                On resume, each escalation deadline that had not passed when the wait began moves later by the time \
                waited, counted as its threshold counts (business time for business thresholds, wall-clock time for \
                hours and days); fired escalations stay fired. Several waits add up.
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Option(help: "What the case waits for from the customer.") var reason: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions
        func run() throws {
            try CaseStep.run(.wait, number: number, note: reason, at: at, store: store, output: output)
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop waiting on the customer: the escalation clocks run again, their deadlines moved by the time waited.",
            discussion: "The case returns to open, responded or workaround, as it was. A workaround, resolve or close also ends a wait.")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.resume) }
    }

    struct Recompute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the deadlines of unresolved cases under the policy in force, auditing every change.",
            discussion: """
                Deadlines are stored when a case is opened, so a later policy change never rewrites them by itself. This \
                recomputes the response deadline (until the first response) and every escalation that has not fired, from \
                the opening with the case's waits left out; escalations the policy added appear, ones it dropped go. \
                Prints each change; nothing changes for a case whose deadlines are already right.
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN); or --all.") var number: String?
        @Flag(help: "Every unresolved case.") var all = false
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            guard (number == nil) != (!all) else { throw ValidationError("name a case or give --all (not both)") }
        }

        func run() throws {
            let changes = try store.open().recomputeDeadlines(number.map(CaseNumber.named), at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(changes) }
            Output.rows(
                ["case", "deadline", "was", "now"],
                changes.map { [$0.caseNumber, $0.deadline, $0.was?.description ?? "none", $0.now?.description ?? "none"] },
                format: output.resolved)
        }
    }

    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a file to an open case.",
            discussion: """
                The file is stored by its SHA-256 beside an SQLite database (DB.attachments/), or in 1 MiB chunks in a \
                PostgreSQL database, in the transaction of its row; its name, type, size and hash in the database. Files over the policy's limit (attachments.max-megabytes, 25 MB by default) and empty \
                files are refused. Closing the case deletes its attachments; --secure ones are purged after \
                attachments.secure-retention-days (90) at the latest (depot retention run).
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Argument(help: "The file to attach.") var file: String
        @Flag(help: "A secure upload: purged after the retention days even while the case is open.") var secure = false
        @Option(help: "The name to show (default: the file's own name).") var name: String?
        @Option(help: "The media type, e.g. text/plain (default: from the name's extension, else application/octet-stream).") var type:
            String?
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw DepotError.unreadableFile(path: file, reason: "no such file")
            }
            guard !isDirectory.boolValue else { throw DepotError.unreadableFile(path: file, reason: "is a folder, not a file") }
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw DepotError.unreadableFile(path: file, reason: "cannot open it for reading")
            }
            defer { try? handle.close() }
            let upload = try database.beginUpload(label: file)
            do {
                while let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty { try upload.append(chunk) }
            } catch let error as DepotError {
                throw error
            } catch {
                upload.discard()
                throw DepotError.unreadableFile(path: file, reason: error.localizedDescription)
            }
            let shownName = name ?? URL(fileURLWithPath: file).lastPathComponent
            let attachment = try database.attach(
                upload, to: CaseNumber.named(number), name: shownName, mediaType: type ?? AttachmentName.guessedMediaType(shownName),
                secure: secure, at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(attachment) }
            Output.write("attachment \(attachment.id): \(attachment.name), \(attachment.size) bytes, sha256 \(attachment.sha256)\n")
        }
    }

    struct Attachments: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a case's attachments.")
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let list = try store.open().attachments(of: CaseNumber.named(number))
            if output.resolved == .json { return try Output.json(list) }
            Output.rows(
                ["id", "name", "type", "bytes", "secure", "uploaded", "by", "sha256"],
                list.map {
                    [
                        String($0.id), $0.name, $0.mediaType, String($0.size), $0.secure ? "yes" : "no", $0.uploadedAt.description,
                        $0.uploadedBy, $0.sha256,
                    ]
                }, format: output.resolved)
        }
    }

    struct AttachmentCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "attachment", abstract: "One attachment.", subcommands: [Get.self])

        struct Get: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write an attachment's content to a file (checked against its SHA-256).")
            @Argument(help: "The attachment's id (from depot case attachments).") var id: Int64
            @Option(help: ArgumentHelp("Where to write it (- for standard output).", valueName: "file")) var output: String
            @OptionGroup var store: StoreOptions

            func run() throws {
                let database = try store.open()
                // Whole, so that nothing is written unless the content checks out.
                let data = try database.downloadAttachment(id, actor: store.actor).all()
                if output == "-" {
                    FileHandle.standardOutput.write(data)
                    return
                }
                try AtomicFile.write(data, to: output)
            }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve a case (stops its escalation clocks).")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.resolve) }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reopen a resolved case (within the policy's days of its resolution; 14 by default).",
            discussion: "The case goes back to the status it had; its escalation deadlines move later by the time it was resolved.")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.reopen) }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a case by mutual agreement.", discussion: "--confirmed-by names the customer's contact who agreed.")
        @OptionGroup var step: CaseStep
        func run() throws { try step.run(.close) }
    }

    /// `depot case show`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a case: deadlines, SLA state, escalations, RMAs and timeline.")
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Option(help: ArgumentHelp("Judge the SLA state at this instant. Default: now.", valueName: "instant"), transform: Parse.instant)
        var at: Instant?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let detail = try store.open().caseDetail(CaseNumber.named(number), now: at ?? Instant(Date()))
            if output.resolved == .json { return try Output.json(detail) }
            var rows: [[String]] = [
                ["case", detail.number.text], ["customer", detail.customer], ["contact", detail.contact], ["type", detail.type.rawValue],
                ["serial", detail.serial?.text ?? ""], ["title", detail.title],
                ["priority", detail.priority.rawValue + (detail.priorityReason.map { " (\($0))" } ?? "")],
                ["status", detail.status.rawValue], ["tier", detail.tier?.rawValue ?? "no active contract"], ["region", detail.region],
                ["opened", detail.openedAt.description],
                ["response due", detail.responseDue.map { "\($0) (\(detail.responseThreshold ?? ""))" } ?? "no response SLA"],
                ["responded", detail.respondedAt?.description ?? ""], ["SLA", detail.slaState?.rawValue ?? "none"],
                ["owner", detail.owner ?? "nobody"],
            ]
            if let note = detail.clockNote { rows.append(["clock", "\(note) (clocks from \(detail.clocksFrom))"]) }
            if let reason = detail.unsupportedVersionReason { rows.append(["unsupported version", reason]) }
            for e in detail.escalations {
                var text = "\(e.at) (\(e.threshold))"
                if e.at != e.originalAt { text += ", moved from \(e.originalAt)" }
                if e.held { text += ", held while waiting on the customer" }
                if let fired = e.firedAt { text += ", fired \(fired)" }
                rows.append(["escalation \(e.target.rawValue)", text])
            }
            for pause in detail.pauses {
                rows.append(["waited", "\(pause.start) to \(pause.end?.description ?? "now"): \(pause.reason)"])
            }
            if !detail.pauses.isEmpty { rows.append(["paused in total", DurationText.of(seconds: detail.pausedSeconds)]) }
            for asked in detail.customerEscalations {
                rows.append(["customer escalation", "\(asked.at) asked by \(asked.requestedBy): \(asked.reason)"])
            }
            if !detail.rmas.isEmpty { rows.append(["RMAs", detail.rmas.map(\.text).joined(separator: ", ")]) }
            for event in detail.timeline {
                rows.append([event.at.description, "\(event.kind) by \(event.actor)" + (event.note.map { ": \($0)" } ?? "")])
            }
            Output.rows(["field", "value"], rows, format: output.resolved)
        }
    }

    /// `depot case list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List cases, newest first.",
            discussion: """
                --owner and --unassigned give an engineer's queues: unresolved cases, those still to respond to first by \
                response deadline (passed ones at the top), then the others, newest first.
                """)
        @Option(help: "Only this customer's cases.") var customer: String?
        @Option(help: "Only cases in this status.") var status: CaseStatus?
        @Option(help: "Only cases of this priority.") var priority: Priority?
        @Option(help: "Only cases in this region.") var region: String?
        @Flag(help: "Only cases not yet resolved.") var open = false
        @Option(help: "The queue of this engineer's unresolved cases (by time left).") var owner: String?
        @Flag(help: "The queue of unresolved cases nobody owns (by time left).") var unassigned = false
        @Option(parsing: .unconditional, help: "At most this many.") var limit = 1000

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit \(limit) must be at least 1") }
            guard owner == nil || !unassigned else { throw ValidationError("--owner and --unassigned exclude each other") }
        }
        @Option(help: ArgumentHelp("Judge SLA states at this instant. Default: now.", valueName: "instant"), transform: Parse.instant)
        var at: Instant?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            var filter = CaseFilter(customer: customer, status: status, priority: priority, region: region, unresolvedOnly: open)
            let queue = owner != nil || unassigned
            (filter.owner, filter.unassigned) = (owner?.trimmingSpaces(), unassigned)
            filter.unresolvedOnly = filter.unresolvedOnly || queue
            let cases = try store.open().cases(filter, now: at ?? Instant(Date()), limit: limit, byTimeLeft: queue)
            if output.resolved == .json { return try Output.json(cases) }
            Output.rows(
                ["case", "opened", "customer", "priority", "status", "serial", "response due", "sla", "owner", "version", "title"],
                cases.map {
                    [
                        $0.number.text, $0.openedAt.description, $0.customer, $0.priority.rawValue, $0.status.rawValue,
                        $0.serial?.text ?? "",
                        $0.responseDue?.description ?? "", $0.slaState?.rawValue ?? "", $0.owner ?? "",
                        $0.unsupportedVersion ? "unsupported" : "", $0.title,
                    ]
                },
                format: output.resolved)
        }
    }
}

/// `depot case open --format json`: the number, and which clock applies when the case was opened outside the region's
/// hours (SPEC.md 8).
struct OpenedAnswer: Encodable {
    let `case`: String
    let clockNote: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.case, forKey: .case)
        if let clockNote { try container.encode(clockNote, forKey: .clockNote) }
    }

    enum CodingKeys: String, CodingKey { case `case`, clockNote }
}

/// The options of every case step.
struct CaseStep: ParsableArguments {
    @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
    @Option(
        name: .customLong("confirmed-by"),
        help: "The customer contact who agreed to close (for close), or who asked to reopen (for reopen).") var confirmedBy: String?
    @Option(help: "A note for the timeline.") var note: String?
    @OptionGroup var at: AtOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: FormatOptions

    func run(_ action: CaseStateMachine.Action) throws {
        try Self.run(action, number: number, confirmedBy: confirmedBy, note: note, at: at, store: store, output: output)
    }

    /// Takes a step and prints the case's status.
    static func run(
        _ action: CaseStateMachine.Action, number: String, confirmedBy: String? = nil, note: String?, at: AtOption,
        store: StoreOptions, output: FormatOptions
    ) throws {
        let database = try store.open()
        try database.advanceCase(CaseNumber.named(number), action, confirmedBy: confirmedBy, note: note, at: at.instant, actor: store.actor)
        let detail = try database.caseDetail(CaseNumber.named(number), now: at.instant)
        if output.resolved == .json {
            try Output.json(KeyedAnswer(fields: ["case": detail.number.text, "status": detail.status.rawValue]))
        } else {
            Output.write("\(detail.number): \(detail.status.rawValue)\n")
        }
    }
}
