/// A software version `MAJOR.MINOR[.PATCH]`, ordered numerically.
public struct SoftwareVersion: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let major: Int
    public let minor: Int
    public let patch: Int?

    /// Parses `MAJOR.MINOR[.PATCH]`, each part a non-negative integer; `nil` otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy(\.isASCIIDigit) })
        else { return nil }
        let numbers = parts.compactMap { Int($0) }
        major = numbers[0]
        minor = numbers[1]
        patch = numbers.count == 3 ? numbers[2] : nil
    }

    /// The `MAJOR.MINOR` line the version belongs to.
    public var line: String { "\(major).\(minor)" }

    public var description: String { patch.map { "\(major).\(minor).\($0)" } ?? line }

    public static func < (a: SoftwareVersion, b: SoftwareVersion) -> Bool {
        (a.major, a.minor, a.patch ?? -1) < (b.major, b.minor, b.patch ?? -1)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let v = SoftwareVersion(s) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a version: \(s)") }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A released version and the day it was released.
public struct Release: Hashable, Sendable {
    public let version: SoftwareVersion
    public let releasedOn: LocalDate

    /// Creates a release.
    public init(version: SoftwareVersion, releasedOn: LocalDate) {
        self.version = version
        self.releasedOn = releasedOn
    }
}

/// The version-support rule (SPEC.md 1): a version is supported when its `MAJOR.MINOR` line is among
/// the current and the previous lines (three in all by default), or it was released less than
/// `maintenanceMonths` months ago.
public struct VersionSupportRule: Sendable, Equatable {
    /// How many of the newest `MAJOR.MINOR` lines are supported (current plus previous).
    public var supportedLines: Int
    /// Every release is maintained for at least this many months.
    public var maintenanceMonths: Int

    /// Creates a rule.
    public init(supportedLines: Int = 3, maintenanceMonths: Int = 24) {
        self.supportedLines = supportedLines
        self.maintenanceMonths = maintenanceMonths
    }

    /// Whether and why a version is supported on a day, given every release.
    /// Releases after `day` do not exist yet on that day. An unknown version is an error.
    public func support(of version: SoftwareVersion, releases: [Release], on day: LocalDate) throws(DepotError) -> VersionSupport {
        let released = releases.filter { $0.releasedOn <= day }
        guard let release = released.first(where: { $0.version == version }) else {
            throw .unknownVersion(version.description)
        }
        var lines: [(major: Int, minor: Int)] = []
        for r in released.sorted(by: { $0.version > $1.version }) {
            let l = (r.version.major, r.version.minor)
            if !lines.contains(where: { $0 == l }) { lines.append(l) }
            if lines.count == supportedLines { break }
        }
        let maintainedUntil = release.releasedOn.adding(months: maintenanceMonths)
        if lines.contains(where: { $0 == (version.major, version.minor) }) {
            return VersionSupport(
                supported: true, maintainedUntil: maintainedUntil,
                reason: "\(version.line) is among the \(supportedLines) newest release lines "
                    + "(\(lines.map { "\($0.major).\($0.minor)" }.joined(separator: ", ")))")
        }
        if day < maintainedUntil {
            return VersionSupport(
                supported: true, maintainedUntil: maintainedUntil,
                reason: "released \(release.releasedOn), maintained for \(maintenanceMonths) months until \(maintainedUntil)")
        }
        return VersionSupport(
            supported: false, maintainedUntil: maintainedUntil,
            reason: "\(version.line) is not among the \(supportedLines) newest release lines and its "
                + "\(maintenanceMonths) months of maintenance ended on \(maintainedUntil)")
    }
}

/// The answer of the version-support rule.
public struct VersionSupport: Sendable, Equatable {
    public let supported: Bool
    /// The first day after the version's minimum maintenance period.
    public let maintainedUntil: LocalDate
    /// Why, in words.
    public let reason: String
}
