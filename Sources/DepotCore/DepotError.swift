/// Everything that can go wrong in Depot that a user should be told about, with the facts a good
/// message needs. The command line maps these to a message and an exit code in one place.
public enum DepotError: Error, Equatable, Sendable {
    /// A file's content is wrong at a line.
    case invalidFile(file: String, line: Int, message: String)
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A policy file has problems; all of them are listed.
    case invalidPolicy([PolicyProblem])
    /// A command-line value is wrong.
    case invalidArgument(name: String, value: String, reason: String)
    /// A region that the policy does not define.
    case unknownRegion(String, known: [String])
    /// A holiday calendar that is neither built in nor defined in the policy.
    case unknownCalendar(String, known: [String])
    /// An instant or deadline outside the years the business clock covers.
    /// An instant outside the business clock's years; `adding` says what was being added to it when the result
    /// (not the instant given) would lie beyond them.
    case outsideCalendarHorizon(instant: String, first: Int, last: Int, adding: String? = nil)
    /// A region that is never open (no hours), so no business deadline exists.
    case regionNeverOpen(String)
    /// A software version that is not among the known releases.
    case unknownVersion(String)
    /// No Depot database where one was expected.
    case databaseMissing(path: String)
    /// A database whose schema a newer Depot wrote (these migrations are unknown here).
    case databaseNewer(path: String, unknownMigrations: [String])
    /// The database could not be read or written (a full disk, a damaged file, a lock held too long).
    case storage(path: String, message: String)
    /// A stored value Depot cannot read back (a state it does not know, a malformed date): the store was changed
    /// outside Depot, or by a newer version.
    case unreadableValue(table: String, column: String, value: String)
    /// An import file with bad rows: nothing was imported. `more` bad rows were not listed.
    case invalidImport(file: String, problems: [ImportProblem], more: Int)
    /// A record that does not exist.
    case notFound(kind: String, key: String)
    /// A step the record's state does not allow; `allowed` are the steps it does.
    case illegalTransition(subject: String, state: String, action: String, allowed: [String])
    /// A user whose role does not allow the change.
    case forbidden(user: String, role: String, permission: String)
    /// A request without valid credentials.
    case unauthenticated(String)
    /// A request the rules refuse (a P1 case from a contact who is not designated, a spare of the wrong model...).
    case refused(subject: String, reason: String)

    /// One line (or, for a policy, one line per problem) saying what is wrong and where.
    public var message: String {
        switch self {
        case let .invalidFile(file, line, message): "\(file):\(line): \(message)"
        case let .unreadableFile(path, reason): "\(path): cannot read: \(reason)"
        case let .invalidPolicy(problems): problems.map(\.description).joined(separator: "\n")
        case let .invalidArgument(name, value, reason): "\(name) \"\(value)\": \(reason)"
        case let .unknownRegion(region, known):
            "unknown region \"\(region)\" (the policy defines: \(known.joined(separator: ", ")))"
        case let .unknownCalendar(name, known): "unknown calendar \"\(name)\" (known: \(known.joined(separator: ", ")))"
        case let .outsideCalendarHorizon(instant, first, last, adding?):
            "\(adding) after \(instant) lies beyond the years the business clock covers (\(first) to \(last))"
        case let .outsideCalendarHorizon(instant, first, last, nil):
            "\(instant) is outside the years the business clock covers (\(first) to \(last))"
        case let .regionNeverOpen(region): "region \"\(region)\" is never open: its centres have no opening hours"
        case let .unknownVersion(version): "unknown software version \"\(version)\" (not among the releases)"
        case let .databaseMissing(path): "no Depot database at \(path); create one with `depot init --db \(path)`"
        case let .databaseNewer(path, unknown):
            "\(path) was written by a newer Depot (unknown schema migrations: \(unknown.joined(separator: ", "))); upgrade depot"
        case let .storage(path, message): "\(path): \(message)"
        case let .unreadableValue(table, column, value): "the database holds \(table).\(column) = \"\(value)\", which Depot cannot read"
        case let .invalidImport(file, problems, more):
            "\(file): nothing imported, \(problems.count + more) bad row\(problems.count + more == 1 ? "" : "s"):\n"
                + problems.map { "  \($0)" }.joined(separator: "\n")
                + (more > 0 ? "\n  ... and \(more) more" : "")
        case let .notFound(kind, key): "no \(kind) \"\(key)\""
        case let .illegalTransition(subject, state, action, allowed):
            "\(subject) is \(state): cannot \(action); "
                + (allowed.isEmpty ? "no further steps are allowed" : "allowed next: \(allowed.joined(separator: ", "))")
        case let .refused(subject, reason): "\(subject): \(reason)"
        case let .forbidden(user, role, permission): "\(user): the \(role) role may not \(permission)"
        case let .unauthenticated(reason): "not signed in: \(reason)"
        }
    }
}

/// One bad row of an import file.
public struct ImportProblem: Equatable, Sendable, CustomStringConvertible {
    /// The line the row starts on.
    public let line: Int
    /// The column (header name), when one column is at fault.
    public let column: String?
    /// What is wrong.
    public let message: String

    /// Creates a problem.
    public init(line: Int, column: String?, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 14, serial: duplicate serial "SN-1" (also on line 9)`.
    public var description: String {
        column.map { "line \(line), \($0): \(message)" } ?? "line \(line): \(message)"
    }
}

/// One problem in a policy file, with where it is.
public struct PolicyProblem: Equatable, Sendable, CustomStringConvertible {
    /// The file's name as the user gave it.
    public let file: String
    /// The dotted path of the value (`slas.response.P2.premium`).
    public let path: String
    /// The line, when known.
    public let line: Int?
    /// What is wrong.
    public let message: String

    /// Creates a problem.
    public init(file: String, path: String, line: Int?, message: String) {
        self.file = file
        self.path = path
        self.line = line
        self.message = message
    }

    /// `policy.yaml:14: slas.response.P2.premium: unknown unit "buisness-hours"`.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}
