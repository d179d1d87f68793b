import Testing

@testable import DepotCore

@Suite("policy file")
struct PolicyTests {
    func load(_ yaml: String, files: [String: String] = [:], defaults: Policy? = Defaults.policy) throws(DepotError) -> Policy {
        try PolicyLoader.load(yaml: yaml, file: "policy.yaml", defaults: defaults) { path in
            guard let text = files[path] else { throw DepotError.unreadableFile(path: path, reason: "no such file") }
            return text
        }
    }

    func problems(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            return []
        } catch {
            guard case .invalidPolicy(let list) = error else { return [error.message] }
            return list.map(\.description)
        }
    }

    @Test("the built-in default is SPEC.md's")
    func defaults() throws {
        let p = Defaults.policy
        #expect(p.regions.map(\.id) == ["americas", "emea", "apac"])
        #expect(p.regions[0].centres.map(\.timeZone.identifier) == ["America/New_York", "America/Los_Angeles"])
        #expect(p.slas.response[.p1]?[.standard] == ClockDuration(2, .businessHours))
        #expect(p.slas.response[.p1]?[.premium] == ClockDuration(1, .hours))
        #expect(p.slas.escalation[.leadership]?[.p4]?[.premiumPlus] == ClockDuration(30, .days))
        #expect(p.slas.escalation[.tam]?[.p3]?[.premiumPlus] == ClockDuration(1, .businessDays))
        #expect(p.slas.escalation[.tam]?[.p3]?[.premium] == nil)
        #expect(p.rma.returnDueAfterDelivery == ClockDuration(10, .businessDays))
        #expect(p.defaultWarrantyMonths == 12 && p.replacementMinimumDays == 90)
        #expect(p.versions == VersionSupportRule(supportedLines: 3, maintenanceMonths: 24))
    }

    @Test("what policy show prints loads back as the same policy")
    func roundTrip() throws {
        let text = PolicyWriter.yaml(Defaults.policy)
        let again = try load(text, defaults: nil)
        #expect(PolicyWriter.yaml(again).split(separator: "\n").dropFirst() == text.split(separator: "\n").dropFirst())
    }

    @Test("a misspelt unit is reported with file, line, path and the unit")
    func misspeltUnit() {
        let yaml = """
            slas:
              response:
                P1: {standard: 2 business-hours, premium: 1 hour, premium-plus: 1 hour}
                P2: {standard: 4 business-hours, premium: 2 buisness-hours, premium-plus: 2 business-hours}
                P3: {standard: 1 business-day, premium: 4 business-hours, premium-plus: 4 business-hours}
                P4: {standard: 5 business-days, premium: 2 business-days, premium-plus: 2 business-days}
              escalation:
                leadership:
                  P1: {standard: 1 business-day, premium: 1 day, premium-plus: 1 day}
                  P2: {standard: 7 business-days, premium: 5 business-days, premium-plus: 5 business-days}
                  P3: {standard: 21 business-days, premium: 14 business-days, premium-plus: 14 business-days}
                  P4: {standard: 30 days, premium: 30 days, premium-plus: 30 days}
            """
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("policy.yaml:4: slas.response.P2.premium: unknown unit \"buisness-hours\"") == true)
    }

    @Test("every problem is reported at once")
    func manyProblems() {
        let yaml = """
            centres:
              london:
                time-zone: GMT
                calendars: [GB-ENGLAND]
                hours: {mon-fri: 18:00-08:00}
                colour: blue
            regions:
              emea: {centres: [london, paris]}
            rma:
              advance-ship-within: soon
            warranty:
              default-months: -1
            """
        let found = problems(yaml)
        #expect(found.contains { $0.hasPrefix("policy.yaml:3: centres.london.time-zone: \"GMT\" is not an IANA time zone") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:4: centres.london.calendars: unknown calendar \"GB-ENGLAND\"") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:5: centres.london.hours.mon-fri: expected opening hours") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:6: centres.london.colour: unknown key") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:8: regions.emea.centres: unknown centre \"paris\"") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:10: rma.advance-ship-within: expected \"N unit\"") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:10: rma.return-due-after-delivery: missing") })
        #expect(found.contains { $0.hasPrefix("policy.yaml:12: warranty.default-months: -1 is out of range") })
    }

    @Test("a malformed value is reported once")
    func reportedOnce() {
        let found = problems("regions:\n  emea: {centres: {london: yes}}\nslas:\n  response: {P1: soon}\n  escalation: {leadership: {}}\n")
        #expect(found.filter { $0.contains("regions.emea.centres: expected a list") }.count == 1)
        #expect(found.filter { $0.contains("slas.response.P1: expected a mapping") }.count == 1)
        #expect(found.contains { $0.hasPrefix("policy.yaml:2: regions.emea.centres: expected a list") })
    }

    @Test("broken YAML is one problem with its line, not a crash")
    func brokenYAML() {
        let found = problems("slas:\n  response: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.contains("not valid YAML") == true)
    }

    @Test("a company calendar adds days, removes days and imports an iCalendar file; a centre uses it")
    func companyCalendar() throws {
        let ics =
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261231\r\nSUMMARY:Year-end shutdown\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let yaml = """
            calendars:
              ACME-UK:
                include: [GB-ENG]
                add:
                  2026-12-24: Company day
                remove: [2026-12-28]
                ical: shutdown.ics
            centres:
              london:
                time-zone: Europe/London
                calendars: [ACME-UK]
                hours: {mon-thu: 08:00-18:00, fri: 08:00-16:00}
            regions:
              emea: {centres: [london]}
            """
        let p = try load(yaml, files: ["shutdown.ics": ics])
        let days = try p.calendar(named: "ACME-UK").holidays(in: 2026).map(\.date.description)
        #expect(days.contains("2026-12-24") && days.contains("2026-12-31") && !days.contains("2026-12-28"))
        let clock = try p.clock(for: "emea")
        // Wednesday 23 Dec 17:00: 1 h; 24th company day, 25th Christmas, weekend, 28th removed so open: 08:00 + 1 h.
        #expect(try clock.adding(ClockDuration(2, .businessHours), to: at("2026-12-23T17:00:00Z")) == at("2026-12-28T09:00:00Z"))
        // Friday closes at 16:00 in this policy.
        #expect(try clock.adding(ClockDuration(1, .businessHours), to: at("2026-11-27T15:30:00Z")) == at("2026-11-30T08:30:00Z"))
        #expect(p.slas == Defaults.policy.slas, "sections left out come from the defaults")
    }

    @Test("a missing iCalendar file is a problem of the policy")
    func missingICal() {
        let found = problems("calendars:\n  X:\n    ical: nowhere.ics\n")
        #expect(found == ["policy.yaml:3: calendars.X.ical: nowhere.ics: cannot read: no such file"])
    }
}
