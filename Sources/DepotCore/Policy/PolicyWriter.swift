/// Writes a policy in the policy-file format, so that what `depot policy show` prints loads back
/// as the same policy (iCalendar imports appear as the dates they added).
public enum PolicyWriter {
    /// The policy as YAML text.
    public static func yaml(_ policy: Policy) -> String {
        var out = "# Depot support policy (\(policy.source))\n"
        if !policy.calendars.isEmpty {
            out += "\ncalendars:\n"
            for c in policy.calendars {
                out += "  \(quoted(c.name)):\n"
                let names = c.sources.map(sourceName)
                if !names.isEmpty { out += "    include: [\(names.map(quoted).joined(separator: ", "))]\n" }
                out += adjustments(c, indent: "    ")
            }
        }
        out += "\ncentres:\n"
        for centre in policy.centres {
            out += "  \(quoted(centre.id)):\n"
            out += "    name: \(quoted(centre.name))\n"
            out += "    time-zone: \(centre.timeZone.identifier)\n"
            out += "    calendars: [\(centre.holidays.sources.map(sourceName).map(quoted).joined(separator: ", "))]\n"
            out += "    hours:\n"
            for (weekday, spans) in zip(Weekday.allCases, centre.hours.days) where !spans.isEmpty {
                out += "      \(weekday.abbreviation): \(spans.map(\.description).joined(separator: ", "))\n"
            }
            out += adjustments(centre.holidays, indent: "    ")
        }
        out += "\nregions:\n"
        for region in policy.regions {
            out += "  \(quoted(region.id)):\n"
            out += "    centres: [\(region.centres.map { quoted($0.id) }.joined(separator: ", "))]\n"
            if let seconds = region.businessDayOverride {
                out +=
                    "    business-day-hours: \(ClockDuration(milli: seconds * 1000 / 3600, .hours).description.split(separator: " ")[0])\n"
            }
        }
        out += "\nslas:\n  response:\n"
        out += table(policy.slas.response, indent: "    ")
        out += "  escalation:\n"
        for target in EscalationTarget.allCases {
            guard let rows = policy.slas.escalation[target] else { continue }
            out += "    \(target.rawValue):\n" + table(rows, indent: "      ")
        }
        out += "\nrma:\n"
        out += "  advance-ship-within: \(policy.rma.advanceShipWithin)\n"
        out += "  return-due-after-delivery: \(policy.rma.returnDueAfterDelivery)\n"
        out += "  replacement-ship-after-receipt: \(policy.rma.replacementShipAfterReceipt)\n"
        out += "\nwarranty:\n  default-months: \(policy.defaultWarrantyMonths)\n"
        out += "  replacement-minimum-days: \(policy.replacementMinimumDays)\n"
        out += "\nversions:\n  supported-lines: \(policy.versions.supportedLines)\n"
        out += "  maintenance-months: \(policy.versions.maintenanceMonths)\n"
        out += "\nnotifications:\n"
        for event in NotifiedEvent.allCases {
            out += "  \(event.rawValue): [\(policy.notifications.targets(of: event).map(\.rawValue).joined(separator: ", "))]\n"
        }
        out += "\nattachments:\n  max-megabytes: \(policy.attachments.maxBytes / 1_000_000)\n"
        out += "  secure-retention-days: \(policy.attachments.secureRetentionDays)\n"
        out += "\ncases:\n  reopen-days: \(policy.caseReopenDays)\n"
        let tiers = Tier.allCases.filter { policy.afterHours.tiers.contains($0) }.map(\.rawValue).joined(separator: ", ")
        out += "\nafter-hours:\n  tiers: [\(tiers)]\n  wrong-pins: \(policy.afterHours.wrongPINs)\n"
        out += "  wrong-pin-minutes: \(policy.afterHours.wrongPINMinutes)\n"
        out += "\nsurvey:\n  every: \(policy.survey.every)\n  contact-gap-days: \(policy.survey.contactGapDays)\n"
        out += "  expiry-days: \(policy.survey.expiryDays)\n"
        if let base = policy.survey.linkBase { out += "  link-base: \(base)\n" }
        return out
    }

    private static func sourceName(_ s: HolidayCalendar.Source) -> String {
        switch s {
        case .builtIn(let b): b.rawValue
        case .calendar(let c): c.name
        }
    }

    private static func adjustments(_ c: HolidayCalendar, indent: String) -> String {
        var out = ""
        if !c.added.isEmpty {
            out += indent + "add:\n"
            for h in c.added.sorted() { out += indent + "  \(h.date): \(quoted(h.name))\n" }
        }
        if !c.removed.isEmpty {
            out += indent + "remove: [\(c.removed.sorted().map(\.description).joined(separator: ", "))]\n"
        }
        return out
    }

    private static func table(_ rows: [Priority: [Tier: ClockDuration]], indent: String) -> String {
        var out = ""
        for priority in Priority.allCases {
            guard let row = rows[priority] else { continue }
            let cells = Tier.allCases.compactMap { t in row[t].map { "\(t.rawValue): \($0)" } }
            out += indent + "\(priority.rawValue): {\(cells.joined(separator: ", "))}\n"
        }
        return out
    }

    /// Text as a YAML scalar: plain when safe, else double-quoted with escapes.
    static func quoted(_ s: String) -> String {
        let plain =
            !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || " -_./'()".contains($0) }
            && !s.hasPrefix(" ") && !s.hasSuffix(" ") && !s.hasPrefix("-")
            && !["true", "false", "yes", "no", "null", "~"].contains(s.lowercased())
        if plain { return s }
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += "\\x" + String(c.value, radix: 16).leftPad(2) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
