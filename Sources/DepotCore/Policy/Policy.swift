import Foundation

/// Everything an operator can change about Depot's rules (SPEC.md: every number is the default policy):
/// support centres, regions, holiday calendars, SLA tables, RMA deadlines, the warranty and version rules.
public struct Policy: Sendable {
    /// Where the policy came from (a file name, or `built-in default`).
    public let source: String
    /// Calendars the policy defines, by name, in the file's order.
    public let calendars: [HolidayCalendar]
    /// The support centres, in the file's order.
    public let centres: [SupportCentre]
    /// The regions, in the file's order.
    public let regions: [SupportRegion]
    /// Response and escalation thresholds.
    public let slas: SLATable
    /// RMA deadlines.
    public let rma: RMADeadlines
    /// Warranty months of a model that does not state its own.
    public let defaultWarrantyMonths: Int
    /// A replacement unit is covered for at least this many days from its own ship date.
    public let replacementMinimumDays: Int
    /// The version-support rule.
    public let versions: VersionSupportRule
    /// Which events notify which targets.
    public var notifications: NotificationRoutes = .defaults
    /// Upload size and secure-upload retention.
    public var attachments: AttachmentRules = .defaults
    /// For how many days after its resolution a case can be reopened (SPEC.md 3: 14).
    public var caseReopenDays = 14
    /// Round-the-clock support with the customer's PIN (SPEC.md 8).
    public var afterHours: AfterHoursPolicy = .defaults
    /// Who is invited to the satisfaction survey after a case closes (SPEC.md 9).
    public var survey: SurveyPolicy = .defaults

    /// The region with an id.
    public func region(_ id: String) throws(DepotError) -> SupportRegion {
        guard let region = regions.first(where: { $0.id == id }) else { throw .unknownRegion(id, known: regions.map(\.id)) }
        return region
    }

    /// The id of the region a user typed (`EMEA`, ` emea `): trimmed and matched in any letter case; the text as
    /// typed, trimmed, when no region has it (so that the error names what was typed).
    public func regionID(typed text: String) -> String {
        let trimmed = text.trimmingSpaces()
        return regions.first { $0.id == trimmed }?.id ?? regions.first { $0.id.lowercased() == trimmed.lowercased() }?.id ?? trimmed
    }

    /// The day of `instant` for a record of `region` (SPEC.md 2): its date in the region's home time zone. "Today"
    /// on a page, in an API answer or a report, warranty coverage and contract activity all take the day so. Only
    /// a record without a known region takes the UTC date.
    public func day(of instant: Instant, region: String?) -> LocalDate {
        guard let region, let found = regions.first(where: { $0.id == region }) else { return instant.utcDate }
        return found.localDate(of: instant)
    }

    /// A holiday calendar by name: one the policy defines, else a built-in rule set.
    public func calendar(named name: String) throws(DepotError) -> HolidayCalendar {
        if let defined = calendars.first(where: { $0.name == name }) { return defined }
        if let builtIn = BuiltInCalendar(rawValue: name) { return HolidayCalendar(builtIn) }
        throw .unknownCalendar(name, known: BuiltInCalendar.allCases.map(\.rawValue) + calendars.map(\.name))
    }

    /// The business clock of a region (built anew: callers that need it often keep it).
    public func clock(for regionID: String) throws(DepotError) -> BusinessClock {
        try BusinessClock(region: region(regionID))
    }

    /// The default policy of SPEC.md, as shipped.
    public static func builtInDefault() -> Policy {
        do {
            return try PolicyLoader.load(yaml: defaultPolicyYAML, file: "built-in default") { path in
                throw DepotError.unreadableFile(path: path, reason: "the built-in policy reads no files")
            }
        } catch {
            // The default is tested to load; failing here is a build defect, not a user error.
            preconditionFailure("the built-in default policy does not load: \(error.message)")
        }
    }
}
