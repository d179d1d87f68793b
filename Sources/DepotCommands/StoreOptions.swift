import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `--db`, `--as` and `--policy`: shared by every command that uses the database.
public struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The Depot database. Default: $DEPOT_DB, else ./depot.sqlite.", valueName: "path"))
    var path: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Act as this user in the audit log. Default: $DEPOT_USER, else the login name.", valueName: "name"))
    var user: String?

    @OptionGroup var policy: PolicyOptions

    public init() {}

    public func validate() throws {
        if let user {
            let name = user.trimmingSpaces()
            guard !name.isEmpty else { throw ValidationError("--as needs a user name") }
            guard name.count <= 100, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ValidationError("--as: a user name is one line of at most 100 characters")
            }
        }
    }

    /// The database path in force.
    var resolvedPath: String {
        if let path, !path.isEmpty { return path }
        if let env = ProcessInfo.processInfo.environment["DEPOT_DB"], !env.isEmpty { return env }
        return "depot.sqlite"
    }

    /// Opens the existing database.
    func open() throws(DepotError) -> DepotDatabase {
        try DepotDatabase.open(at: resolvedPath, policy: policy.load())
    }

    /// Who the command acts as. The command line is the operator's own tool on the database file, so
    /// it acts with the admin role; the server (which has sign-in) checks each user's own role.
    var actor: ActingUser {
        let environment = ProcessInfo.processInfo.environment
        let name =
            [user, environment["DEPOT_USER"], environment["USER"], environment["LOGNAME"]]
            .compactMap { $0?.trimmingSpaces() }.first { !$0.isEmpty } ?? "operator"
        return ActingUser(user: name, role: .admin)
    }
}

/// `--at`: when a step happened; default now.
public struct AtOption: ParsableArguments {
    @Option(
        help: ArgumentHelp("When it happened (ISO 8601 with a UTC offset). Default: now.", valueName: "instant"),
        transform: Parse.instant)
    var at: Instant?

    public init() {}

    var instant: Instant { at ?? Instant(Date()) }
}

extension CaseType: ExpressibleByArgument {}
extension Level: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}
extension CaseStatus: ExpressibleByArgument {}
extension RMAState: ExpressibleByArgument {}
extension RMAPath: ExpressibleByArgument {}
extension ReferralOutcome: ExpressibleByArgument {}
extension ImportEntity: ExpressibleByArgument {}

/// A one-key JSON answer, `{"case": "CS-2026-000001"}`.
struct KeyedAnswer: Encodable {
    let fields: [String: String?]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in fields { try c.encode(value, forKey: AnyKey(stringValue: key)) }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
