import Foundation
import Yams

/// Reads and validates a policy file. Every problem is reported with its location; nothing crashes.
public enum PolicyLoader {
    /// Loads a policy from YAML text. `file` names it in messages; `readFile` reads the iCalendar files it
    /// names (paths as written in the policy; the caller resolves them against the policy's folder).
    /// Sections a file leaves out are taken from `defaults` when given, and are required otherwise.
    public static func load(
        yaml: String, file: String, defaults: Policy? = nil,
        readFile: (String) throws -> String
    ) throws(DepotError) -> Policy {
        var r = PolicyReader(file: file)
        guard let root = try compose(yaml, file: file) else {
            if let defaults { return defaults.renamed(file) }
            throw DepotError.invalidPolicy([PolicyProblem(file: file, path: "", line: nil, message: "the file is empty")])
        }

        let sections = [
            "calendars", "centres", "regions", "slas", "rma", "warranty", "versions", "notifications", "attachments", "cases",
            "after-hours", "survey",
        ]
        guard let top = r.mapping(root, "", allowed: sections) else { throw .invalidPolicy(r.problems) }
        func section(_ name: String) -> Node? { top.first { $0.key == name }?.value }

        let calendars = section("calendars").map { readCalendars($0, &r, readFile: readFile) } ?? []
        let centres: [SupportCentre]
        if let node = section("centres") {
            centres = readCentres(node, calendars: calendars, &r, readFile: readFile)
        } else if let defaults {
            centres = defaults.centres
        } else {
            r.report("centres", nil, "missing: at least one support centre is required")
            centres = []
        }
        let regions: [SupportRegion]
        if let node = section("regions") {
            regions = readRegions(node, centres: centres, &r)
        } else if let defaults, section("centres") == nil {
            regions = defaults.regions
        } else {
            r.report("regions", nil, "missing: at least one region is required")
            regions = []
        }
        let slas = section("slas").map { readSLAs($0, &r) } ?? defaults?.slas ?? missing("slas", &r)
        let rma = section("rma").map { readRMA($0, &r) } ?? defaults?.rma ?? missing("rma", &r)

        let (warrantyMonths, replacementDays) = readWarranty(section("warranty"), defaults: defaults, &r)
        var versions = defaults?.versions ?? VersionSupportRule()
        if let node = section("versions") {
            readVersions(node, into: &versions, &r)
        } else if defaults == nil {
            r.report("versions", nil, "missing")
        }
        var notifications = defaults?.notifications ?? .defaults
        if let node = section("notifications") { readNotifications(node, into: &notifications, &r) }
        var attachments = defaults?.attachments ?? .defaults
        if let node = section("attachments") { readAttachments(node, into: &attachments, &r) }
        var reopenDays = defaults?.caseReopenDays ?? 14
        if let node = section("cases"), let entries = r.mapping(node, "cases", allowed: ["reopen-days"]) {
            for e in entries { r.int(e.value, "cases.reopen-days", in: 0...3650).map { reopenDays = $0 } }
        }

        var afterHours = defaults?.afterHours ?? .defaults
        if let node = section("after-hours") { readAfterHours(node, into: &afterHours, &r) }
        var survey = defaults?.survey ?? .defaults
        if let node = section("survey") { readSurvey(node, into: &survey, &r) }

        guard r.problems.isEmpty, let slas, let rma, let warrantyMonths, let replacementDays else {
            throw .invalidPolicy(r.problems)
        }
        var policy = Policy(
            source: file, calendars: calendars, centres: centres, regions: regions, slas: slas, rma: rma,
            defaultWarrantyMonths: warrantyMonths, replacementMinimumDays: replacementDays, versions: versions)
        policy.notifications = notifications
        policy.attachments = attachments
        policy.caseReopenDays = reopenDays
        policy.afterHours = afterHours
        policy.survey = survey
        return policy
    }

    /// The YAML's root node, `nil` for an empty file; text that is not YAML is a problem with its line.
    private static func compose(_ yaml: String, file: String) throws(DepotError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw .invalidPolicy([yamlProblem(error, file: file)])
        } catch {
            throw .invalidPolicy([PolicyProblem(file: file, path: "", line: nil, message: "not YAML: \(error)")])
        }
    }

    /// `warranty`: the default months and the replacement's minimum days; each required without `defaults`.
    static func readWarranty(_ node: Node?, defaults: Policy?, _ r: inout PolicyReader) -> (months: Int?, replacementDays: Int?) {
        var months = defaults?.defaultWarrantyMonths
        var replacementDays = defaults?.replacementMinimumDays
        guard let node else {
            if defaults == nil { r.report("warranty", nil, "missing") }
            return (months, replacementDays)
        }
        guard let entries = r.mapping(node, "warranty", allowed: ["default-months", "replacement-minimum-days"]) else {
            return (months, replacementDays)
        }
        for e in entries {
            switch e.key {
            case "default-months": months = r.int(e.value, "warranty.default-months", in: 1...600)
            default: replacementDays = r.int(e.value, "warranty.replacement-minimum-days", in: 0...3650)
            }
        }
        for key in ["default-months", "replacement-minimum-days"] where defaults == nil && !entries.contains(where: { $0.key == key }) {
            r.report("warranty.\(key)", node, "missing")
        }
        return (months, replacementDays)
    }

    /// `versions`: how many MAJOR.MINOR lines are supported and for how many months each release is maintained.
    static func readVersions(_ node: Node, into versions: inout VersionSupportRule, _ r: inout PolicyReader) {
        guard let entries = r.mapping(node, "versions", allowed: ["supported-lines", "maintenance-months"]) else { return }
        for e in entries {
            switch e.key {
            case "supported-lines": r.int(e.value, "versions.supported-lines", in: 1...100).map { versions.supportedLines = $0 }
            default: r.int(e.value, "versions.maintenance-months", in: 0...600).map { versions.maintenanceMonths = $0 }
            }
        }
    }

    /// `attachments`: the size limit and how long secure uploads are kept.
    static func readAttachments(_ node: Node, into attachments: inout AttachmentRules, _ r: inout PolicyReader) {
        guard let entries = r.mapping(node, "attachments", allowed: ["max-megabytes", "secure-retention-days"]) else { return }
        for e in entries {
            switch e.key {
            case "max-megabytes":
                r.int(e.value, "attachments.max-megabytes", in: 1...10_000).map { attachments.maxBytes = Int64($0) * 1_000_000 }
            default: r.int(e.value, "attachments.secure-retention-days", in: 1...3650).map { attachments.secureRetentionDays = $0 }
            }
        }
    }

    /// `notifications`: event -> a target or a list of targets (`[]` silences the event). Events the section
    /// leaves out keep their routes.
    static func readNotifications(_ node: Node, into routes: inout NotificationRoutes, _ r: inout PolicyReader) {
        guard let entries = r.mapping(node, "notifications", allowed: NotifiedEvent.allCases.map(\.rawValue)) else { return }
        for e in entries {
            guard let event = NotifiedEvent(rawValue: e.key) else { continue }
            let path = "notifications." + e.key
            let names: [String]?
            if case .sequence(let items) = e.value, items.isEmpty { names = [] } else { names = r.strings(e.value, path) }
            guard let names else { continue }
            var targets: [NotificationTarget] = []
            for name in names {
                guard let target = NotificationTarget(rawValue: name) else {
                    r.report(
                        path, e.value,
                        "unknown target \"\(name)\" (known: \(NotificationTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                targets.append(target)
            }
            routes.route(event, to: targets)
        }
    }

    /// `after-hours`: `tiers` (a list; `[]`: nobody gets support outside the regions' hours), `wrong-pins` and
    /// `wrong-pin-minutes`.
    static func readAfterHours(_ node: Node, into afterHours: inout AfterHoursPolicy, _ r: inout PolicyReader) {
        guard let entries = r.mapping(node, "after-hours", allowed: ["tiers", "wrong-pins", "wrong-pin-minutes"]) else { return }
        for e in entries {
            switch e.key {
            case "tiers":
                var names: [String]? = []
                if case .sequence(let items) = e.value, items.isEmpty {} else { names = r.strings(e.value, "after-hours.tiers") }
                guard let names else { continue }
                var tiers = Set<Tier>()
                for name in names {
                    guard let tier = Tier(rawValue: name) else {
                        r.report("after-hours.tiers", e.value, "unknown tier \"\(name)\" (standard, premium, premium-plus)")
                        continue
                    }
                    tiers.insert(tier)
                }
                afterHours.tiers = tiers
            case "wrong-pins": r.int(e.value, "after-hours.wrong-pins", in: 1...1000).map { afterHours.wrongPINs = $0 }
            default: r.int(e.value, "after-hours.wrong-pin-minutes", in: 1...10_080).map { afterHours.wrongPINMinutes = $0 }
            }
        }
    }

    /// `survey`: `every` (one closed case in N per customer and month is sampled; 0: none), `contact-gap-days`,
    /// `expiry-days` and `link-base` (the address the link starts with, `http://` or `https://`).
    static func readSurvey(_ node: Node, into survey: inout SurveyPolicy, _ r: inout PolicyReader) {
        let keys = ["every", "contact-gap-days", "expiry-days", "link-base"]
        guard let entries = r.mapping(node, "survey", allowed: keys) else { return }
        for e in entries {
            switch e.key {
            case "every": r.int(e.value, "survey.every", in: 0...1000).map { survey.every = $0 }
            case "contact-gap-days": r.int(e.value, "survey.contact-gap-days", in: 0...3650).map { survey.contactGapDays = $0 }
            case "expiry-days": r.int(e.value, "survey.expiry-days", in: 1...365).map { survey.expiryDays = $0 }
            default:
                guard let text = r.string(e.value, "survey.link-base") else { continue }
                let base = text.hasSuffix("/") ? String(text.dropLast()) : text
                guard base.hasPrefix("https://") || base.hasPrefix("http://"),
                    !base.contains(where: { $0 == " " || $0 == "?" || $0 == "#" })
                else {
                    r.report("survey.link-base", e.value, "an address such as https://depot.example.com (no spaces, query or fragment)")
                    continue
                }
                survey.linkBase = base
            }
        }
    }

    private static func missing<T>(_ name: String, _ r: inout PolicyReader) -> T? {
        r.report(name, nil, "missing")
        return nil
    }

    private static func yamlProblem(_ error: YamlError, file: String) -> PolicyProblem {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return PolicyProblem(file: file, path: "", line: mark.line, message: "not valid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return PolicyProblem(
                file: file, path: "", line: context.mark.line,
                message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return PolicyProblem(file: file, path: "", line: nil, message: "not valid YAML: \(error)")
        }
    }

    // MARK: Calendars and centres

}

extension Policy {
    func renamed(_ source: String) -> Policy {
        var policy = Policy(
            source: source, calendars: calendars, centres: centres, regions: regions, slas: slas, rma: rma,
            defaultWarrantyMonths: defaultWarrantyMonths, replacementMinimumDays: replacementMinimumDays, versions: versions)
        policy.notifications = notifications
        policy.attachments = attachments
        policy.caseReopenDays = caseReopenDays
        policy.afterHours = afterHours
        policy.survey = survey
        return policy
    }
}
