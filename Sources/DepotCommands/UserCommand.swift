import ArgumentParser
import DepotCore
import DepotServer
import DepotStore
import Foundation

extension Role: ExpressibleByArgument {}

/// `depot user`: the server's users.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Users of the server: add one (its password and API token are shown once), list them.",
        subcommands: [Add.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; prints a new password and API token once. Only their hashes are stored.",
            discussion: "Roles: support-engineer, logistics, account-manager, admin."
        )
        @Argument(help: "The user's name (signs in with it).") var name: String
        @Option(help: "support-engineer, logistics, account-manager or admin.") var role: Role
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let database = try store.open()
            let password = Credentials.newPassword()
            let token = Credentials.newToken()
            try database.addUser(
                name: name, role: role, passwordHash: Credentials.hashPassword(password), tokenHash: Credentials.hashToken(token),
                at: at.instant, actor: store.actor)
            if output.resolved == .json {
                return try Output.json(KeyedAnswer(fields: ["user": name, "role": role.rawValue, "password": password, "token": token]))
            }
            Output.write(
                "user \(name) (\(role.rawValue))\npassword: \(password)\ntoken:    \(token)\nThey are shown only now; Depot keeps their hashes.\n"
            )
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users and their roles (never their secrets).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        struct Entry: Encodable { let user: String; let role: String }

        func run() throws {
            let users = try store.open().users().map { Entry(user: $0.name, role: $0.role.rawValue) }
            if output.resolved == .json { return try Output.json(users) }
            Output.rows(["user", "role"], users.map { [$0.user, $0.role] }, format: output.resolved)
        }
    }
}
