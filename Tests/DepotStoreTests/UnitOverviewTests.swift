import DepotCore
import DepotTestSupport
import Foundation
import GRDB
import Testing

@testable import DepotStore

@Suite("The unit page's overview")
struct UnitOverviewTests {
    /// ACME gains a site, and a unit there, in another region than its own (a customer's unit always has a site); contracts that overlap and one that
    /// starts on a new year, so that the region whose day counts decides.
    static let more: [(ImportEntity, String)] = [
        (
            .sites,
            """
            site,customer,name,country,region,address
            ACME-SYD,ACME,Sydney office,AU,apac,2 George St
            """
        ),
        (
            .contracts,
            """
            contract,customer,tier,start_date,end_date,max_contacts
            C-ACME-STD,ACME,standard,2026-06-01,2027-06-30,2
            C-GLOBEX-2027,GLOBEX,premium,2027-01-01,2027-12-31,2
            """
        ),
        (
            .appliances,
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            ACME-SYD-1,DX-100,ACME,ACME-SYD,,2026-03-01,5.1,in-service
            """
        ),
    ]

    /// The region whose day applies to each unit (SPEC.md 2): its site's, else its customer's, else its depot's.
    static let regions: [Serial: String] = [
        "ACME-1": "americas", "ACME-SYD-1": "apac", "GLOBEX-1": "emea", "INITECH-1": "apac",
        "NOCON-1": "emea", "SPARE-US-1": "americas", "SPARE-EU-1": "emea",
    ]

    @Test("unitOverview is the unit's detail, the day in the unit's region and the customer's contract active on that day")
    func sameAsTheSeparateQueries() throws {
        let depot = try TestDepot.withFleet()
        try depot.importAll(Self.more)
        let instants = [
            "2026-01-01T03:00:00Z", "2026-05-31T23:30:00Z", "2026-11-23T15:00:00Z", "2026-12-31T14:30:00Z", "2026-12-31T23:30:00Z",
            "2027-01-01T05:30:00Z", "2027-07-01T12:00:00Z",
        ].compactMap(Instant.init(iso:))
        #expect(instants.count == 7)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var differentDays = 0
        for (serial, region) in Self.regions {
            for at in instants {
                let overview = try depot.database.unitOverview(serial, at: at)
                let detail = try depot.database.unitDetail(serial)
                #expect(try encoder.encode(overview.unit) == encoder.encode(detail), "\(serial)")
                #expect(overview.today == depot.database.policy.day(of: at, region: region), "\(serial) at \(at)")
                if overview.today != at.utcDate { differentDays += 1 }
                // SPEC.md 2: contract activity on the day in the region of the unit's site, as for a verdict on it.
                let contracts = try detail.customer.map { try depot.database.customerDetail($0, at: at).contracts } ?? []
                let expected = contracts.filter { $0.start <= overview.today && overview.today <= $0.end }
                    .max { ($0.tier, $0.end) < ($1.tier, $1.end) }
                #expect(overview.activeContract?.key == expected?.key, "\(serial) at \(at)")
            }
        }
        // The instants near midnight make the regions' days differ from UTC's, so a wrong region would be seen.
        #expect(differentDays > 0)
        let newYear = try #require(Instant(iso: "2026-12-31T14:30:00Z"))
        // 01:30 on 2027-01-01 in Sydney: ACME's premium-plus contract has ended for the unit there (its standard one
        // is left), though not for ACME's units in New York, where it is still 2026-12-31.
        #expect(try depot.database.unitOverview("ACME-SYD-1", at: newYear).today.description == "2027-01-01")
        #expect(try depot.database.unitOverview("ACME-SYD-1", at: newYear).activeContract?.key == "C-ACME-STD")
        #expect(try depot.database.unitOverview("ACME-1", at: newYear).activeContract?.key == "C-ACME")
        #expect(try depot.database.unitOverview("SPARE-EU-1", at: newYear).activeContract == nil)
        #expect(try depot.database.unitOverview("acme-1", at: newYear).unit.serial == "ACME-1")
        #expect(throws: DepotError.self) { try depot.database.unitOverview("NOPE-1", at: newYear) }
    }

    @Test("a stored region the policy does not define is an unreadable value, not UTC's day")
    func unknownRegion() throws {
        let depot = try TestDepot.withFleet()
        try depot.database.write { db in
            try db.execute("UPDATE site SET region = 'mars' WHERE key = 'ACME-NYC'")
            try db.execute("UPDATE depot SET region = 'Emea' WHERE key = 'D-EU'")
        }
        let at = try #require(Instant(iso: "2026-11-23T15:00:00Z"))
        #expect(throws: DepotError.unreadableValue(table: "site", column: "region", value: "mars")) {
            try depot.database.unitOverview("ACME-1", at: at)
        }
        #expect(throws: DepotError.unreadableValue(table: "depot", column: "region", value: "Emea")) {
            try depot.database.unitOverview("SPARE-EU-1", at: at)
        }
        #expect(try depot.database.unitOverview("GLOBEX-1", at: at).unit.serial == "GLOBEX-1")
        // The customer's page judges days in the customer's region: unknown is unreadable too.
        _ = try depot.database.write { db in try db.execute("UPDATE customer SET region = 'mars' WHERE key = 'INITECH'") }
        let mars = DepotError.unreadableValue(table: "customer", column: "region", value: "mars")
        #expect(throws: mars) { try depot.database.customerDetail("INITECH", at: at) }
    }
}
