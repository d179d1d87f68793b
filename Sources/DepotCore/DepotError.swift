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
    case outsideCalendarHorizon(instant: String, first: Int, last: Int)
    /// A region that is never open (no hours), so no business deadline exists.
    case regionNeverOpen(String)
    /// A software version that is not among the known releases.
    case unknownVersion(String)

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
        case let .outsideCalendarHorizon(instant, first, last):
            "\(instant) is outside the years the business clock covers (\(first) to \(last))"
        case let .regionNeverOpen(region): "region \"\(region)\" is never open: its centres have no opening hours"
        case let .unknownVersion(version): "unknown software version \"\(version)\" (not among the releases)"
        }
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
