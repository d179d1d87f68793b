import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

@Suite("Streamed results")
struct StreamTests {
    static let numbers = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) SELECT x FROM g ORDER BY x"

    @Test("a result larger than a fetch comes in order and whole; stopping early leaves the transaction usable")
    func stream() throws {
        let depot = try TestDepot.empty()
        let (all, stopped, after) = try depot.database.read { db -> ([Int64], Int, Int?) in
            var all: [Int64] = []
            try db.stream(Self.numbers, [25_001]) { row in
                if case .integer(let x) = row.cell(at: 0) { all.append(x) }
                return true
            }
            var stopped = 0
            try db.stream(Self.numbers, [25_001]) { _ in
                stopped += 1
                return stopped < 12_345
            }
            return (all, stopped, try db.value(Int.self, "SELECT count(*) FROM customer"))
        }
        #expect(all.count == 25_001 && all == (1...25_001).map(Int64.init))
        #expect(stopped == 12_345 && after == 0)
    }
}
