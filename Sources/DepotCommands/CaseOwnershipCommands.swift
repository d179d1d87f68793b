import ArgumentParser
import DepotCore
import DepotStore
import Foundation

extension CaseCommand {
    /// `depot case assign`
    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a case to an engineer (its owner).",
            discussion: """
                The owner is a Depot user who works cases (a support engineer or an admin). Giving a case to its owner \
                changes nothing; handing it to someone else is on the timeline and in the audit log. A closed case keeps \
                its owner.
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Option(help: "The Depot user who takes the case over.") var to: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let done = try store.open().assignCase(CaseNumber.named(number), to: to, at: at.instant, actor: store.actor)
            try CaseCommand.print(done, output: output)
        }
    }

    /// `depot case take`
    struct Take: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a case nobody owns (you become its owner).",
            discussion: "A case another engineer owns is refused: ask them, or hand it over with depot case assign --to.")
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let actor = store.actor
            let done = try store.open().assignCase(CaseNumber.named(number), to: actor.user, onlyIfFree: true, at: at.instant, actor: actor)
            try CaseCommand.print(done, output: output)
        }
    }

    /// `depot case priority`
    struct PriorityCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "priority",
            abstract: "Change an unresolved case's priority, with a reason; its deadlines are recomputed from the opening.",
            discussion: """
                The response deadline is recomputed until the first response, and every escalation that has not fired; \
                both count from the opening under the new priority, as if the case had been opened with it, with the \
                waits on the customer left out. A P1 needs a designated, certified contact under an active contract.
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Option(help: "The new priority, P1 to P4.") var to: Priority
        @Option(help: "Why the priority changes.") var reason: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let done = try store.open().changePriority(
                CaseNumber.named(number), to: to, reason: reason, at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(done) }
            Output.write("\(done.caseNumber): \(done.was.rawValue) -> \(done.priority.rawValue)\n")
            Output.rows(
                ["deadline", "was", "now"],
                done.deadlines.map { [$0.deadline, $0.was?.description ?? "none", $0.now?.description ?? "none"] },
                format: output.resolved)
        }
    }

    /// `depot case escalate`
    struct Escalate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that the customer asked for an escalation; support leadership is told at once.",
            discussion: """
                The support handbook's escalation by phone: a contact of the case's customer may ask at any time (a \
                closed case excepted). The request is on the timeline and in the audit log, and a customer-escalation \
                notification goes to the policy's targets (leadership by default). Escalations by time run by themselves \
                (depot escalate).
                """)
        @Argument(help: "The case number (CS-YYYY-NNNNNN).") var number: String
        @Option(name: .customLong("requested-by"), help: "The customer's contact who asked (e-mail address).") var requestedBy: String
        @Option(help: "Why the customer asks.") var reason: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let done = try store.open().recordCustomerEscalation(
                CaseNumber.named(number), requestedBy: requestedBy, reason: reason, at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(done) }
            Output.write("\(done.caseNumber): escalation asked by \(done.requestedBy); leadership notified\n")
        }
    }

    static func print(_ done: CaseAssignment, output: FormatOptions) throws {
        if output.resolved == .json { return try Output.json(done) }
        Output.write("\(done.caseNumber): \(done.changed ? "now" : "already") owned by \(done.owner)\n")
    }
}
