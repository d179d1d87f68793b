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
        abstract:
            "Users of the server: add one (its password and API token are shown once), list them, give a new password or token, remove one.",
        subcommands: [Add.self, List.self, Passwd.self, Token.self, Remove.self]
    )

    /// `depot user passwd NAME`
    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user a new password, printed once; every browser session of the user ends (within a second on every server).")
        @Argument(help: "The user's name.") var name: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let password = Credentials.newPassword()
            try store.open().changePassword(name, passwordHash: Credentials.hashPassword(password), at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(KeyedAnswer(fields: ["user": name, "password": password])) }
            Output.write("user \(name)\npassword: \(password)\nShown only now; Depot keeps its hash. The user's sessions ended.\n")
        }
    }

    /// `depot user token NAME --rotate`
    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user a new API token, printed once; the old one stops working (within a second on every server).")
        @Argument(help: "The user's name.") var name: String
        @Flag(help: "Replace the token (required: Depot keeps only its hash, so the old one cannot be shown).") var rotate = false
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func validate() throws {
            guard rotate else { throw ValidationError("--rotate is required: a token is shown only when it is made") }
        }

        func run() throws {
            let token = Credentials.newToken()
            try store.open().rotateToken(name, tokenHash: Credentials.hashToken(token), at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(KeyedAnswer(fields: ["user": name, "token": token])) }
            Output.write("user \(name)\ntoken: \(token)\nShown only now; Depot keeps its hash. The old token no longer works.\n")
        }
    }

    /// `depot user remove NAME`
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user: its sessions end and its token stops working (within a second on every server).",
            discussion: "The audit log keeps what the user did; cases the user owns keep the name until assigned again.")
        @Argument(help: "The user's name.") var name: String
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            try store.open().removeUser(name, at: at.instant, actor: store.actor)
            if output.resolved == .json { return try Output.json(KeyedAnswer(fields: ["user": name, "removed": "yes"])) }
            Output.write("user \(name) removed\n")
        }
    }

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
