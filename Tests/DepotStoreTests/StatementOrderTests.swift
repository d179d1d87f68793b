import DepotCore
import DepotTestSupport
import Foundation
import Testing

@testable import DepotStore

/// The statements of one transaction reach the database in the order the workflow sent them, whether a statement
/// goes out prepared, unnamed or without waiting for its answer: a change sent after the write lock must run under
/// it, an audit row sent before COMMIT must commit with the transaction.
@Suite("Statement order on one connection")
struct StatementOrderTests {
    @Test("unanswered, prepared and counted statements interleaved run in the order sent")
    func interleaved() throws {
        let depot = try TestDepot.empty()
        let seen = try depot.database.write { db in
            let key = db.dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            try db.execute("CREATE TEMPORARY TABLE order_probe (seq \(key), sent BIGINT NOT NULL)", [])
            var sent: Int64 = 0
            for _ in 0..<300 {
                sent += 1
                try db.executeUnanswered("INSERT INTO order_probe (sent) VALUES (?)", [sent])
                sent += 1
                try db.executeUnanswered("INSERT INTO order_probe (sent) VALUES (?)", [sent])
                sent += 1
                _ = try db.execute("INSERT INTO order_probe (sent) VALUES (?)", [sent])
                sent += 1
                _ = try db.values(Int64.self, "SELECT count(*) FROM order_probe WHERE sent = ?", [sent - 1])
            }
            return try db.values(Int64.self, "SELECT sent FROM order_probe ORDER BY seq")
        }
        #expect(seen.count == 900)
        #expect(seen == seen.sorted())
    }
}

/// Case numbers are formatted the same by SQLite's path (Swift) and PostgreSQL's single statement (SQL).
@Suite("Case numbering")
struct CaseNumberingTests {
    @Test("numbers count per year, six digits and more past 999,999, never reused")
    func numbers() throws {
        let depot = try TestDepot.withFleet()
        func open() throws -> String {
            try depot.database.openCase(
                NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "Q"),
                at: depot.clock.now, actor: TestDepot.engineer
            ).text
        }
        let year = depot.clock.now.utcDate.year
        #expect(try open() == "CS-\(year)-000001")
        #expect(try open() == "CS-\(year)-000002")
        _ = try depot.outside { db in try db.execute("UPDATE counter SET last = 999998 WHERE name = ?", ["CS-\(year)"]) }
        #expect(try open() == "CS-\(year)-999999")
        #expect(try open() == "CS-\(year)-1000000")
        #expect(try depot.database.caseDetail(CaseNumber("CS-\(year)-1000000")!, now: depot.clock.now).number.text == "CS-\(year)-1000000")
    }
}
