import Foundation
import Yams

/// The readers of the policy file's sections: calendars, centres and their hours, regions, SLA tables, RMA
/// deadlines. Each reports its problems with their paths and lines and reads on.
extension PolicyLoader {
    /// Holiday additions and removals shared by calendars and centres: `add`, `remove`, `ical`.
    static func readAdjustments(
        _ entries: [(key: String, keyNode: Node, value: Node)], _ path: String,
        _ r: inout PolicyReader, readFile: (String) throws -> String
    )
        -> (added: [Holiday], removed: Set<LocalDate>)
    {
        var added: [Holiday] = []
        var removed = Set<LocalDate>()
        for e in entries {
            let p = path + "." + e.key
            switch e.key {
            case "add":
                guard let items = r.mapping(e.value, p) else { continue }
                for item in items {
                    guard let date = r.date(item.keyNode, p + "." + item.key), let name = r.string(item.value, p + "." + item.key) else {
                        continue
                    }
                    added.append(Holiday(date: date, name: name))
                }
            case "remove":
                guard case .sequence(let seq) = e.value else {
                    r.report(p, e.value, "expected a list of dates")
                    continue
                }
                for (i, item) in seq.enumerated() { r.date(item, "\(p)[\(i)]").map { _ = removed.insert($0) } }
            case "ical":
                for path in r.strings(e.value, p) ?? [] {
                    do {
                        let text = try readFile(path)
                        added += try ICalendarImport.holidays(from: text, file: path)
                    } catch let error as DepotError {
                        r.report(p, e.value, error.message)
                    } catch {
                        r.report(p, e.value, "cannot read \(path): \(error.localizedDescription)")
                    }
                }
            default:
                break
            }
        }
        return (added, removed)
    }

    static func readCalendars(_ node: Node, _ r: inout PolicyReader, readFile: (String) throws -> String) -> [HolidayCalendar] {
        var calendars: [HolidayCalendar] = []
        for entry in r.mapping(node, "calendars") ?? [] {
            let path = "calendars." + entry.key
            if BuiltInCalendar(rawValue: entry.key) != nil {
                r.report(path, entry.keyNode, "\"\(entry.key)\" is a built-in calendar; give the company's calendar its own name")
                continue
            }
            guard let fields = r.mapping(entry.value, path, allowed: ["include", "add", "remove", "ical"]) else { continue }
            var sources: [HolidayCalendar.Source] = []
            if let include = fields.first(where: { $0.key == "include" }) {
                for name in r.strings(include.value, path + ".include") ?? [] {
                    if let b = BuiltInCalendar(rawValue: name) {
                        sources.append(.builtIn(b))
                    } else if let c = calendars.first(where: { $0.name == name }) {
                        sources.append(.calendar(c))
                    } else {
                        r.report(
                            path + ".include", include.value,
                            "unknown calendar \"\(name)\" (built-in: "
                                + BuiltInCalendar.allCases.map(\.rawValue).joined(separator: ", ") + "; or one defined above)")
                    }
                }
            }
            let adjustments = readAdjustments(fields, path, &r, readFile: readFile)
            calendars.append(HolidayCalendar(name: entry.key, sources: sources, added: adjustments.added, removed: adjustments.removed))
        }
        return calendars
    }

    static func readCentres(
        _ node: Node, calendars: [HolidayCalendar], _ r: inout PolicyReader,
        readFile: (String) throws -> String
    ) -> [SupportCentre] {
        var centres: [SupportCentre] = []
        let entries = r.mapping(node, "centres") ?? []
        if entries.isEmpty { r.report("centres", node, "at least one support centre is required") }
        for entry in entries {
            let path = "centres." + entry.key
            guard let fields = r.mapping(entry.value, path, allowed: ["name", "time-zone", "calendars", "hours", "add", "remove", "ical"])
            else { continue }
            func field(_ k: String) -> Node? { fields.first { $0.key == k }?.value }
            let name = field("name").flatMap { r.string($0, path + ".name") } ?? entry.key
            var zone: TimeZone?
            if let z = field("time-zone") {
                if let id = r.string(z, path + ".time-zone") {
                    zone = ianaZone(id)
                    if zone == nil {
                        r.report(path + ".time-zone", z, "\"\(id)\" is not an IANA time zone of a place (e.g. America/New_York)")
                    }
                }
            } else {
                r.report(path + ".time-zone", entry.value, "missing")
            }
            var sources: [HolidayCalendar.Source] = []
            if let c = field("calendars") {
                for calendarName in r.strings(c, path + ".calendars") ?? [] {
                    if let defined = calendars.first(where: { $0.name == calendarName }) {
                        sources.append(.calendar(defined))
                    } else if let b = BuiltInCalendar(rawValue: calendarName) {
                        sources.append(.builtIn(b))
                    } else {
                        r.report(
                            path + ".calendars", c,
                            "unknown calendar \"\(calendarName)\" (built-in: "
                                + BuiltInCalendar.allCases.map(\.rawValue).joined(separator: ", ")
                                + (calendars.isEmpty ? "" : "; defined: " + calendars.map(\.name).joined(separator: ", ")) + ")")
                    }
                }
            }
            let hours = field("hours").flatMap { readHours($0, path + ".hours", &r) } ?? WeeklyHours.standard
            let adjustments = readAdjustments(fields, path, &r, readFile: readFile)
            if let zone {
                centres.append(
                    SupportCentre(
                        id: entry.key, name: name, timeZone: zone, hours: hours,
                        holidays: HolidayCalendar(name: entry.key, sources: sources, added: adjustments.added, removed: adjustments.removed)
                    ))
            }
        }
        return centres
    }

    /// A zone given by its IANA name for a place (or UTC); abbreviations and fixed offsets (EST, GMT+1) are refused.
    static func ianaZone(_ id: String) -> TimeZone? {
        guard id == "UTC" || (id.contains("/") && !id.hasPrefix("Etc/")),
            TimeZone.knownTimeZoneIdentifiers.contains(id)
        else { return nil }
        return TimeZone(identifier: id)
    }

    static func readHours(_ node: Node, _ path: String, _ r: inout PolicyReader) -> WeeklyHours? {
        guard let entries = r.mapping(node, path) else { return nil }
        var spans: [Weekday: [WeeklyHours.Span]] = [:]
        var ok = true
        for e in entries {
            let p = path + "." + e.key
            guard let days = weekdays(e.key) else {
                r.report(p, e.keyNode, "expected weekdays such as mon-fri, sat or sat,sun")
                ok = false
                continue
            }
            guard let text = e.value.scalar?.string, let parsed = WeeklyHours.parseSpans(text) else {
                r.report(p, e.value, "expected opening hours such as 08:00-18:00 (or 08:00-12:00, 13:00-17:00)")
                ok = false
                continue
            }
            for d in days {
                if spans[d] != nil {
                    r.report(p, e.keyNode, "\(d.abbreviation) is given twice")
                    ok = false
                }
                spans[d] = parsed
            }
        }
        return ok ? WeeklyHours(spans) : nil
    }

    /// `mon-fri`, `sat`, `sat,sun`, `mon-wed,fri`.
    static func weekdays(_ text: String) -> [Weekday]? {
        var days: [Weekday] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { $0.trimmingCharacters(in: " ").lowercased() }
            let found = bounds.map { b in Weekday.allCases.first { $0.abbreviation == b } }
            switch found.count {
            case 1: guard let d = found[0] else { return nil }; days.append(d)
            case 2:
                guard let a = found[0], let b = found[1], a <= b else { return nil }
                days += Weekday.allCases.filter { $0 >= a && $0 <= b }
            default: return nil
            }
        }
        return days.isEmpty ? nil : days
    }

    static func readRegions(_ node: Node, centres: [SupportCentre], _ r: inout PolicyReader) -> [SupportRegion] {
        var regions: [SupportRegion] = []
        let entries = r.mapping(node, "regions") ?? []
        if entries.isEmpty { r.report("regions", node, "at least one region is required") }
        for entry in entries {
            let path = "regions." + entry.key
            guard let fields = r.mapping(entry.value, path, allowed: ["centres", "business-day-hours"]) else { continue }
            var members: [SupportCentre] = []
            if let c = fields.first(where: { $0.key == "centres" }) {
                let ids = r.strings(c.value, path + ".centres")
                for id in ids ?? [] {
                    if let centre = centres.first(where: { $0.id == id }) {
                        members.append(centre)
                    } else {
                        r.report(
                            path + ".centres", c.value, "unknown centre \"\(id)\" (defined: \(centres.map(\.id).joined(separator: ", ")))")
                    }
                }
                if let ids, ids.isEmpty {
                    r.report(path + ".centres", c.value, "a region needs at least one centre")
                }
            } else {
                r.report(path + ".centres", entry.value, "missing")
            }
            var businessDay: Int64?
            if let b = fields.first(where: { $0.key == "business-day-hours" }) {
                if let text = b.value.scalar?.string, let milli = ClockDuration.parseMilli(Substring(text)), milli > 0, milli <= 24_000 {
                    businessDay = milli * 3600 / 1000
                } else {
                    r.report(path + ".business-day-hours", b.value, "expected a number of hours above 0 and at most 24")
                }
            }
            if !members.isEmpty { regions.append(SupportRegion(id: entry.key, centres: members, businessDaySeconds: businessDay)) }
        }
        return regions
    }

    // MARK: SLAs and RMA

    static func readTierTable(_ node: Node, _ path: String, complete: Bool, _ r: inout PolicyReader) -> [Priority: [Tier:
        ClockDuration]]
    {
        var table: [Priority: [Tier: ClockDuration]] = [:]
        let entries = r.mapping(node, path, allowed: Priority.allCases.map(\.rawValue)) ?? []
        for e in entries {
            guard let priority = Priority(rawValue: e.key) else { continue }
            let p = path + "." + e.key
            var row: [Tier: ClockDuration] = [:]
            guard let cells = r.mapping(e.value, p, allowed: Tier.allCases.map(\.rawValue)) else { continue }
            for t in cells {
                if let tier = Tier(rawValue: t.key), let d = r.duration(t.value, p + "." + t.key) { row[tier] = d }
            }
            if complete {
                for tier in Tier.allCases where !cells.contains(where: { $0.key == tier.rawValue }) {
                    r.report(p + "." + tier.rawValue, e.value, "missing")
                }
            }
            table[priority] = row
        }
        if complete {
            for priority in Priority.allCases where table[priority] == nil { r.report(path + "." + priority.rawValue, node, "missing") }
        }
        return table
    }

    static func readSLAs(_ node: Node, _ r: inout PolicyReader) -> SLATable? {
        guard let entries = r.mapping(node, "slas", allowed: ["response", "escalation"]) else { return nil }
        var response: [Priority: [Tier: ClockDuration]] = [:]
        var escalation: [EscalationTarget: [Priority: [Tier: ClockDuration]]] = [:]
        if let n = entries.first(where: { $0.key == "response" })?.value {
            response = readTierTable(n, "slas.response", complete: true, &r)
        } else {
            r.report("slas.response", node, "missing")
        }
        if let n = entries.first(where: { $0.key == "escalation" })?.value {
            for e in r.mapping(n, "slas.escalation", allowed: EscalationTarget.allCases.map(\.rawValue)) ?? [] {
                guard let target = EscalationTarget(rawValue: e.key) else { continue }
                escalation[target] = readTierTable(e.value, "slas.escalation." + e.key, complete: target == .leadership, &r)
            }
            if escalation[.leadership] == nil { r.report("slas.escalation.leadership", n, "missing") }
        } else {
            r.report("slas.escalation", node, "missing")
        }
        return SLATable(response: response, escalation: escalation)
    }

    static func readRMA(_ node: Node, _ r: inout PolicyReader) -> RMADeadlines? {
        let keys = ["advance-ship-within", "return-due-after-delivery", "replacement-ship-after-receipt"]
        guard let entries = r.mapping(node, "rma", allowed: keys) else { return nil }
        var values: [String: ClockDuration] = [:]
        for e in entries { values[e.key] = r.duration(e.value, "rma." + e.key) }
        for k in keys where !entries.contains(where: { $0.key == k }) { r.report("rma." + k, node, "missing") }
        guard let a = values[keys[0]], let b = values[keys[1]], let c = values[keys[2]] else { return nil }
        return RMADeadlines(advanceShipWithin: a, returnDueAfterDelivery: b, replacementShipAfterReceipt: c)
    }
}
