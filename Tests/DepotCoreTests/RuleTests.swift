import Testing

@testable import DepotCore

@Suite("rules")
struct RuleTests {
    @Test(
        "priority from impact x urgency",
        arguments: [
            (Level.high, Level.high, Priority.p1), (.high, .medium, .p2), (.medium, .high, .p2), (.high, .low, .p3),
            (.medium, .medium, .p3), (.low, .high, .p3), (.medium, .low, .p4), (.low, .medium, .p4), (.low, .low, .p4),
        ])
    func priority(impact: Level, urgency: Level, expected: Priority) {
        #expect(Priority.suggested(impact: impact, urgency: urgency) == expected)
    }

    // Case opened Thursday 24 December 2026 16:30Z (16:30 in London, 11:30 in New York).
    // emea: open 24th until 18:00 (1.5 h), closed 25th-28th, then 10 h days from Tuesday 29th (31st open, 1 Jan closed).
    // E.g. 21 business days = 1.5 h + 20 days + 8.5 h: 29-31 Dec, 4-8, 11-15, 18-22, 25-26 Jan, then 8.5 h on 27 Jan.
    @Test(
        "SLA deadlines for every tier and priority (emea, Christmas Eve)",
        arguments: [
            (Tier.standard, Priority.p1, "2026-12-29T08:30:00Z", ["leadership": "2026-12-29T16:30:00Z"]),
            (.standard, .p2, "2026-12-29T10:30:00Z", ["leadership": "2027-01-07T16:30:00Z"]),
            (.standard, .p3, "2026-12-29T16:30:00Z", ["leadership": "2027-01-27T16:30:00Z"]),
            (.standard, .p4, "2027-01-05T16:30:00Z", ["leadership": "2027-01-23T16:30:00Z"]),
            (.premium, .p1, "2026-12-24T17:30:00Z", ["leadership": "2026-12-25T16:30:00Z"]),
            (.premium, .p2, "2026-12-29T08:30:00Z", ["leadership": "2027-01-05T16:30:00Z"]),
            (.premium, .p3, "2026-12-29T10:30:00Z", ["leadership": "2027-01-18T16:30:00Z"]),
            (.premium, .p4, "2026-12-30T16:30:00Z", ["leadership": "2027-01-23T16:30:00Z"]),
            (.premiumPlus, .p1, "2026-12-24T17:30:00Z", ["leadership": "2026-12-25T16:30:00Z", "tam": "2026-12-29T16:30:00Z"]),
            (.premiumPlus, .p2, "2026-12-29T08:30:00Z", ["leadership": "2027-01-05T16:30:00Z", "tam": "2026-12-29T16:30:00Z"]),
            (.premiumPlus, .p3, "2026-12-29T10:30:00Z", ["leadership": "2027-01-18T16:30:00Z", "tam": "2026-12-29T16:30:00Z"]),
            (.premiumPlus, .p4, "2026-12-30T16:30:00Z", ["leadership": "2027-01-23T16:30:00Z", "tam": "2026-12-29T16:30:00Z"]),
        ])
    func sla(tier: Tier, priority: Priority, response: String, escalations: [String: String]) throws {
        let d = try Defaults.policy.slas.deadlines(tier: tier, priority: priority, opened: at("2026-12-24T16:30:00Z"), clock: Defaults.emea)
        #expect(d.response?.description == response)
        #expect(Dictionary(uniqueKeysWithValues: d.escalations.map { ($0.target.rawValue, $0.at.description) }) == escalations)
        #expect(d.escalations.map(\.at) == d.escalations.map(\.at).sorted())
    }

    @Test("no active contract: no response SLA, escalations as standard")
    func noContract() throws {
        let d = try Defaults.policy.slas.deadlines(tier: nil, priority: .p2, opened: at("2026-12-24T16:30:00Z"), clock: Defaults.emea)
        #expect(d.response == nil)
        #expect(d.escalations.map(\.at.description) == ["2027-01-07T16:30:00Z"])
    }

    @Test("warranty: in warranty before the end date, out on it")
    func warranty() {
        #expect(Warranty.end(shipDate: day("2024-01-31"), months: 1) == day("2024-02-29"))
        #expect(Warranty.end(shipDate: day("2024-02-29"), months: 12) == day("2025-02-28"))
        #expect(Warranty.isCovered(on: day("2025-02-27"), shipDate: day("2024-02-29"), months: 12))
        #expect(!Warranty.isCovered(on: day("2025-02-28"), shipDate: day("2024-02-29"), months: 12))
        #expect(!Warranty.isCovered(on: day("2024-02-28"), shipDate: day("2024-02-29"), months: 12), "not before shipping")
    }

    @Test("replacement warranty: the longer of the original's remainder and 90 days")
    func replacementWarranty() {
        #expect(
            Warranty.replacementEnd(originalEnd: day("2027-06-01"), replacementShipDate: day("2026-11-23"), minimumDays: 90)
                == day("2027-06-01"))
        #expect(
            Warranty.replacementEnd(originalEnd: day("2026-12-01"), replacementShipDate: day("2026-11-23"), minimumDays: 90)
                == day("2027-02-21"))
    }

    @Test("supported versions: the three newest lines, or released less than 24 months ago")
    func versions() throws {
        let releases: [Release] = [
            ("5.0.0", "2021-01-10"), ("5.1.0", "2022-03-01"), ("5.1.4", "2023-06-01"), ("6.0.0", "2024-02-01"),
            ("6.1.0", "2025-01-15"), ("7.0.0", "2026-09-01"),
        ].map {
            Release(version: SoftwareVersion($0.0)!, releasedOn: day($0.1))
        }
        let rule = VersionSupportRule()
        func supported(_ v: String, _ d: String) throws -> Bool {
            try rule.support(of: SoftwareVersion(v)!, releases: releases, on: day(d)).supported
        }
        #expect(try supported("6.0.0", "2026-11-23"))  // among 7.0, 6.1, 6.0
        #expect(try !supported("5.1.0", "2026-11-23"))  // line 5.1 too old, released 2022
        #expect(try !supported("5.1.4", "2026-11-23"))  // 2023-06-01 + 24 months = 2025-06-01 < today
        #expect(try supported("5.1.4", "2025-05-31"))  // still in its 24 months
        #expect(try supported("5.1.0", "2025-08-01"))  // lines 6.1, 6.0, 5.1 then
        #expect(throws: DepotError.unknownVersion("9.9")) { try supported("9.9", "2026-11-23") }
        #expect(SoftwareVersion("6.10")! > SoftwareVersion("6.9.9")!)
        #expect(SoftwareVersion("6") == nil && SoftwareVersion("6.1.2.3") == nil && SoftwareVersion("6.x") == nil)
    }

    func decide(_ tier: Tier?, ship: String, verdict: String, region: String = "americas") throws -> RMADecision {
        let r = try Defaults.policy.region(region)
        let clock = region == "americas" ? Defaults.americas : Defaults.emea
        return try RMAEngine.decide(
            tier: tier, shipDate: day(ship), warrantyMonths: 12, verdictAt: at(verdict),
            region: r, clock: clock, deadlines: Defaults.policy.rma)
    }

    @Test("RMA paths by tier and warranty")
    func rmaPaths() throws {
        // Monday 23 Nov 2026 15:00Z (10:00 EST): +13 business hours is Tuesday 10:00 EST.
        let v = "2026-11-23T15:00:00Z"
        for tier in [Tier.premium, .premiumPlus] {
            for ship in ["2026-01-10", "2020-01-10"] {
                let d = try decide(tier, ship: ship, verdict: v)
                #expect(d.path == .advanceReplacement)
                #expect(d.shipBy == at("2026-11-24T15:00:00Z"))
            }
        }
        for tier in [Tier.standard, nil] {
            #expect(try decide(tier, ship: "2026-01-10", verdict: v).path == .returnThenReplace)
            #expect(try decide(tier, ship: "2025-01-10", verdict: v).path == .salesReferral)
            #expect(try decide(tier, ship: "2025-01-10", verdict: v).shipBy == nil)
        }
        let reason = try decide(.premium, ship: "2020-01-10", verdict: v).reason
        #expect(reason.contains("premium contract") && reason.contains("2021-01-10") && reason.contains("2026-11-24T15:00:00Z"))
    }

    @Test("warranty is judged on the verdict's day in the region's home time zone")
    func verdictDay() throws {
        // 2026-12-01T03:00Z is still 30 November in New York: the last day of a warranty ending 1 December.
        let americas = try decide(.standard, ship: "2025-12-01", verdict: "2026-12-01T03:00:00Z")
        #expect(americas.verdictDay == day("2026-11-30") && americas.path == .returnThenReplace)
        // In London it is already 1 December: out of warranty.
        let emea = try decide(.standard, ship: "2025-12-01", verdict: "2026-12-01T03:00:00Z", region: "emea")
        #expect(emea.verdictDay == day("2026-12-01") && emea.path == .salesReferral)
    }

    @Test("CSV cells are quoted and formulas neutralised")
    func csv() {
        #expect(CSVField.encode("plain") == "plain")
        #expect(CSVField.encode("a,b") == "\"a,b\"")
        #expect(CSVField.encode("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVField.encode("=SUM(A1)") == "'=SUM(A1)")
        #expect(CSVField.encode("-2+3") == "'-2+3")
        #expect(CSVField.encode("@cmd") == "'@cmd")
    }
}
