import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

/// Workflows that read then write, run at the same moment from two handles on one database (two servers, or two
/// commands on one SQLite file): the fleet's invariants hold and nothing is given twice.
@Suite("Races between two servers")
struct RaceTests {
    @Test(
        "eight RMAs, five spares (the other region's and the successor model's too), allocated at once from two servers: each spare goes to exactly one RMA, three are refused"
    )
    func twoRMAsOneSpare() throws {
        let monday = Instant(iso: "2026-11-23T15:00:00Z")!
        let depot = try TestDepot.withFleet(now: monday)
        let units = (2...9).map { "ACME-\($0),DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service" }
        let spares = (2...3).map { "SPARE-US-\($0),DX-100,,,D-US,2026-01-10,5.1,in-stock" }
        try depot.importAll([
            (.appliances, (["serial,model,customer,site,depot,ship_date,software_version,status"] + units + spares).joined(separator: "\n"))
        ])
        let rmas = try Self.defectiveRMAs(depot, (2...9).map { "ACME-\($0)" }, at: monday)
        let servers = [depot.database, try depot.reopen()]
        let numbers = rmas
        let allocated = Locked<[RMANumber: Serial]>([:])
        let refused = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: numbers.count) { i in
            do {
                let spare = try servers[i % 2].allocate(rma: numbers[i], at: monday.adding(seconds: 120), actor: TestDepot.logistics)
                allocated.update { $0[numbers[i]] = spare }
            } catch {
                refused.update { $0.append("\(error)") }
            }
        }
        #expect(allocated.value.count == 5 && refused.value.count == 3, "\(refused.value)")
        #expect(refused.value.allSatisfy { $0.contains("spare") }, "\(refused.value)")
        #expect(Set(allocated.value.values) == ["SPARE-US-1", "SPARE-US-2", "SPARE-US-3", "SPARE-EU-1", "SPARE-EU-2"])
        #expect(try FleetInvariants.violations(in: depot.database) == [])
        let inStock = try depot.outside { db in
            try db.value(Int.self, "SELECT count(*) FROM appliance WHERE status = 'in-stock'")
        }
        #expect(inStock == 0)
    }
}

extension RaceTests {
    /// One hardware-fault case per ACME unit in `serials` at `at`, each diagnosed defective a minute later: their RMAs.
    static func defectiveRMAs(_ depot: TestDepot, _ serials: [String], at: Instant) throws -> [RMANumber] {
        try serials.map { serial in
            let number = try depot.database.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: try Serial.named(serial), impact: .high,
                    urgency: .medium, title: "Dead \(serial)"), at: at, actor: TestDepot.engineer)
            let outcome = try depot.database.diagnose(
                serial: try Serial.named(serial), caseNumber: number, verdict: .defective, note: "PSU", at: at.adding(seconds: 60),
                actor: TestDepot.engineer)
            return try #require(outcome.rma)
        }
    }
}

/// What `depot check` runs: a change made past Depot that breaks the fleet's invariants is named.
@Suite("The fleet's invariants as depot check runs them")
struct InvariantCheckTests {
    @Test("one spare written (past Depot) as the replacement of two open RMAs: named, with both RMAs")
    func spareOfTwoRMAs() throws {
        let monday = Instant(iso: "2026-11-23T15:00:00Z")!
        let depot = try TestDepot.withFleet(now: monday)
        try depot.importAll([
            (
                .appliances,
                "serial,model,customer,site,depot,ship_date,software_version,status\nACME-2,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,"
            )
        ])
        let rmas = try RaceTests.defectiveRMAs(depot, ["ACME-1", "ACME-2"], at: monday)
        let spare = try depot.database.allocate(rma: rmas[0], at: monday.adding(seconds: 120), actor: TestDepot.logistics)
        #expect(try depot.database.invariantViolations() == [])
        _ = try depot.outside { db in
            try db.execute(
                "UPDATE rma SET state = 'allocated', replacement_id = (SELECT id FROM appliance WHERE serial = ?) WHERE number = ?",
                [spare.text, rmas[1].text])
        }
        let found = try depot.database.invariantViolations()
        let (first, second) = (min(rmas[0].text, rmas[1].text), max(rmas[0].text, rmas[1].text))
        #expect(found.contains("unit \(spare.text) is the replacement of several open RMAs: \(first), \(second)"), "\(found)")
        #expect(found.contains { $0.contains("reserved by 2 open RMAs in state allocated") }, "\(found)")
    }
}

extension InvariantCheckTests {
    @Test("broken invariants are listed in the order of the records they name, the same on both backends")
    func listedInOrder() throws {
        let depot = try TestDepot.withFleet()
        _ = try depot.outside { db in
            for serial in ["SPARE-US-1", "SPARE-EU-1"] {
                try db.execute("UPDATE appliance SET status = 'in-transit' WHERE serial = ?", [serial])
            }
        }
        let found = try depot.database.invariantViolations().filter { $0.contains("shipped replacement") }
        #expect(found.map { $0.split(separator: " ")[1] } == ["SPARE-EU-1", "SPARE-US-1"], "\(found)")
    }
}

/// A value several threads change under a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
