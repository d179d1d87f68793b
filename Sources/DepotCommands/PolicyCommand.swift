import ArgumentParser
import DepotCore

/// `depot policy`: the policy in force, and checking a policy file.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the policy in force or check a policy file.",
        subcommands: [Show.self, Check.self]
    )

    /// `depot policy show`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the policy in force as a policy file (copy it, edit it, pass it with --policy).")

        @OptionGroup var policy: PolicyOptions

        func run() throws {
            Output.write(PolicyWriter.yaml(try policy.load()))
        }
    }

    /// `depot policy check FILE`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file and report every problem with its location.",
            discussion: "Also builds every region's business clock, so a region that is never open is found now, not at the first deadline."
        )

        @Argument(help: "The policy file.") var file: String

        func run() throws {
            let policy = try PolicyFile.load(file)
            for region in policy.regions { _ = try BusinessClock(region: region) }
            Output.write(
                "\(file): ok (\(policy.centres.count) centres, \(policy.regions.count) regions, \(policy.calendars.count) calendars)\n")
        }
    }
}
