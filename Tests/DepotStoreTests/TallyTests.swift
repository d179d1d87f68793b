import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

/// Issue 16: the counts pages read (`unit_tally`, `warranty_tally`) equal a recount after every kind of change, and
/// `Tallies.drift` names a tally that does not.
@Suite("Fleet tallies")
struct TallyTests {
    static let at = Instant(iso: "2026-11-23T12:00:00Z")!

    static func drift(_ depot: TestDepot) throws -> [String] {
        try depot.outside { db in try Tallies.drift(db) }
    }

    static func execute(_ depot: TestDepot, _ sql: String) throws {
        _ = try depot.outside { db in try db.execute(sql) }
    }

    static func tally(_ depot: TestDepot) throws -> ResultTable {
        try depot.outside { db in try db.table("SELECT * FROM unit_tally ORDER BY 1, 2, 3, 4") }
    }

    @Test("imports (new units, units moved between customers and depots, retired, scrapped) keep both tallies equal to a recount")
    func imports() throws {
        let depot = try TestDepot.withFleet()
        #expect(try Self.drift(depot) == [])
        let acme = try depot.database.customerDetail("ACME", at: Self.at).units
        // New units at two customers and a depot, then the same file again with some moved, retired and scrapped.
        // serial, model, site, depot, ship_date, status: new units at two customers and a depot, then the same units
        // again, some moved, retired, scrapped, or given another model and ship date (another warranty end).
        func row(_ n: Int) -> [String] {
            n % 3 == 0
                ? ["T-\(n)", "DX-200", "", "D-US", "2026-05-01", "in-stock"]
                : ["T-\(n)", "DX-100", n % 3 == 1 ? "ACME-NYC" : "GLOBEX-LON", "", "2026-05-1\(n % 9)", ""]
        }
        func file(_ name: String, _ rows: [[String]]) -> String {
            depot.folder.write(
                name, "serial,model,site,depot,ship_date,status\n" + rows.map { $0.joined(separator: ",") }.joined(separator: "\n"))
        }
        let first = file("t1.csv", (0..<300).map(row))
        #expect(try depot.database.importFile(.appliances, path: first, actor: TestDepot.admin, at: Self.at).added == 300)
        #expect(try Self.drift(depot) == [])
        #expect(try depot.database.customerDetail("ACME", at: Self.at).units == acme + 100)
        let moved = (0..<300).map { n in
            var r = row(n)
            switch n % 5 {
            case 0: (r[2], r[3], r[5]) = ("GLOBEX-LON", "", "")
            case 1: (r[2], r[3], r[5]) = ("", "D-EU", n % 2 == 0 ? "scrapped" : "in-stock")
            case 2 where n % 3 != 0: r[5] = "retired"
            case 3: (r[1], r[4]) = ("DX-200", "2025-01-0\(1 + n % 9)")
            default: break
            }
            return r
        }
        let second = file("t2.csv", moved)
        let summary = try depot.database.importFile(.appliances, path: second, actor: TestDepot.admin, at: Self.at)
        #expect(summary.updated > 100)
        #expect(try Self.drift(depot) == [])
    }

    @Test("a failed import leaves the tallies and the insert trigger as they were; a unit inserted by hand is tallied")
    func failedImport() throws {
        let depot = try TestDepot.withFleet()
        let before = try Self.tally(depot)
        let rows = ["F-1,DX-100,ACME-NYC,2026-05-01", "F-2,NO-SUCH-MODEL,ACME-NYC,2026-05-01"]
        let file = depot.folder.write("f.csv", "serial,model,site,ship_date\n" + rows.joined(separator: "\n"))
        #expect(throws: DepotError.self) { try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: Self.at) }
        #expect(try Self.tally(depot) == before)
        // The trigger is back: a row written outside Depot (sqlite3, a repair script) is counted too.
        let units = try depot.database.customerDetail("GLOBEX", at: Self.at).units
        try Self.execute(
            depot,
            """
            INSERT INTO appliance (serial, model_id, customer_id, site_id, ship_date, warranty_end, status)
            SELECT 'HAND-1', m.id, s.customer_id, s.id, '2026-06-01', '2027-06-01', 'in-service'
            FROM model m, site s WHERE m.key = 'DX-100' AND s.key = 'GLOBEX-LON'
            """)
        #expect(try depot.database.customerDetail("GLOBEX", at: Self.at).units == units + 1)
        try Self.execute(depot, "UPDATE appliance SET status = 'retired' WHERE serial = 'HAND-1'")
        #expect(try Self.drift(depot) == [])
        try Self.execute(depot, "DELETE FROM appliance WHERE serial = 'HAND-1'")
        #expect(try Self.drift(depot) == [])
        #expect(try depot.database.customerDetail("GLOBEX", at: Self.at).units == units)
    }

    @Test("a tally that differs from the recount is named: a count off by one, a row missing, a row too many")
    func driftIsFound() throws {
        let depot = try TestDepot.withFleet()
        try Self.execute(
            depot,
            """
            UPDATE unit_tally SET units = units + 1
            WHERE (customer_id, depot_id, status, model_id) = (SELECT customer_id, depot_id, status, model_id FROM unit_tally LIMIT 1)
            """)
        var found = try Self.drift(depot)
        #expect(found.count == 2)  // the row as kept and as recounted
        #expect(found.allSatisfy { $0.hasPrefix("unit_tally") })
        try depot.database.recountTallies(at: Self.at, actor: TestDepot.admin)
        #expect(try Self.drift(depot) == [])
        try Self.execute(depot, "DELETE FROM warranty_tally WHERE month = (SELECT max(month) FROM warranty_tally)")
        found = try Self.drift(depot)
        #expect(found.count >= 1 && found.allSatisfy { $0.contains("warranty_tally") && $0.contains("misses") })
        try depot.database.recountTallies(at: Self.at, actor: TestDepot.admin)
        try Self.execute(depot, "INSERT INTO warranty_tally VALUES ('2030-01', 1, 3)")
        #expect(try Self.drift(depot) == ["warranty_tally (month, customer_id, units) holds (\"2030-01\", 1, 3)"])
    }
}
