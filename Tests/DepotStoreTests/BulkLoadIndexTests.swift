import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

/// Issue 16: a load larger than the fleet it joins rebuilds the customer index once instead of maintaining it row by
/// row; the index is there afterwards and serves the per-customer counts, and a failed load leaves it as it was.
@Suite("Bulk loads and the customer index")
struct BulkLoadIndexTests {
    static let at = Instant(iso: "2026-11-23T12:00:00Z")!

    static func plan(_ path: String) throws -> String {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT count(*) FROM appliance WHERE customer_id = 1").map {
                $0["detail"] as String
            }
            .joined(separator: "; ")
        }
    }

    // SQLite's bulk load drops and rebuilds the index and is checked with SQLite's query plans; PostgreSQL's loads
    // keep theirs (its own planner and COPY are measured in Scripts/bench instead).
    @Test(
        "80,000 units: the index is rebuilt as the migration made it, counts use it and match; a failed load keeps it",
        .enabled(if: !TestBackend.isPostgres))
    func rebuild() throws {
        let depot = try TestDepot.withFleet()
        let rows = (0..<80_000).map { "BULK-\($0),DX-200,ACME-NYC,2026-05-01" }
        let file = depot.folder.write("bulk.csv", "serial,model,site,ship_date\n" + rows.joined(separator: "\n"))
        let summary = try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: Self.at)
        #expect(summary.added == 80_000)
        let path = depot.database.path
        #expect(try Self.plan(path).contains("appliance_customer"))
        #expect(try depot.database.customerDetail("ACME", at: Self.at).units == 80_001)
        let definition = try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'appliance_customer'")
        }
        #expect(definition == "CREATE INDEX appliance_customer ON appliance(customer_id) WHERE customer_id IS NOT NULL")
        // A load that fails (an unknown model on its last line) is rolled back whole: the index stays.
        var bad = (0..<80_000).map { "MORE-\($0),DX-200,GLOBEX-LON,2026-05-01" }
        bad[79_999] = "MORE-LAST,NO-SUCH-MODEL,GLOBEX-LON,2026-05-01"
        let failing = depot.folder.write("bad.csv", "serial,model,site,ship_date\n" + bad.joined(separator: "\n"))
        #expect(throws: DepotError.self) { try depot.database.importFile(.appliances, path: failing, actor: TestDepot.admin, at: Self.at) }
        #expect(try Self.plan(path).contains("appliance_customer"))
        #expect(try depot.database.customerDetail("GLOBEX", at: Self.at).units == 2)
    }
}
