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
                NewCase(customer: "ACME", contact: "dev@acme.example", type: .enhancement, impact: .low, urgency: .low, title: "Q"),
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

/// Placeholders as PostgreSQL numbers them, and `lower(?)` folding as the columns fold.
@Suite("PostgreSQL placeholders")
struct PlaceholderTests {
    @Test("? and ?N become $N; lower(?) folds in the C collation; quoted text is left alone")
    func rendering() {
        #expect(PostgresPlaceholders.convert("SELECT a FROM t WHERE b = ? AND c = ?") == "SELECT a FROM t WHERE b = $1 AND c = $2")
        #expect(PostgresPlaceholders.convert("WHERE x = ?2 OR y = ?1 OR z = ?") == "WHERE x = $2 OR y = $1 OR z = $3")
        #expect(
            PostgresPlaceholders.convert("WHERE lower(key) = lower(?) AND LOWER(?3) = b")
                == "WHERE lower(key) = lower($1 COLLATE \"C\") AND LOWER($3 COLLATE \"C\") = b")
        #expect(
            PostgresPlaceholders.convert("WHERE lower(key) = ? AND coalesce(?) AND lower(a || ?)")
                == "WHERE lower(key) = $1 AND coalesce($2) AND lower(a || $3)")
        #expect(PostgresPlaceholders.convert("SELECT 'lower(?)', \"?\" WHERE a = ?") == "SELECT 'lower(?)', \"?\" WHERE a = $1")
    }
}

/// A database whose default collation folds more than A-Z (ICU): keys still match as on SQLite.
@Suite("PostgreSQL databases with an ICU default collation", .enabled(if: TestBackend.isPostgres))
struct ICUDatabaseTests {
    @Test("a key typed in other letter case of A-Z finds its customer; other letters match only as written")
    func foldsLikeSQLite() throws {
        let server = try #require(TestBackend.postgres)
        let name = "depot_icu_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresStore(server, maximumConnections: 1)
        defer { admin.pool.close() }
        _ = try admin.withConnection { connection in
            try connection.execute(
                "CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.utf8'")
        }
        let (database, _) = try DepotDatabase.create(postgres: server.database(name), policy: Policy.builtInDefault())
        let folder = TemporaryFolder()
        let file = folder.write("customers.csv", "customer,name,region,account_manager,tam\nÖKO,Öko AG,emea,Ann,\n")
        _ = try database.importFile(.customers, path: file, actor: TestDepot.admin, at: Instant(iso: "2026-11-23T15:00:00Z")!)
        let found = try database.read { db in
            try ["ÖKO", "Öko", "öko"].map { key in try db.value(String.self, "SELECT \(CustomerKeySQL.typed)", [key, key]) }
        }
        #expect(found == ["ÖKO", "ÖKO", nil])
        #expect(try database.read { db in try FindRecord.customer(db, key: "Öko").key } == "ÖKO")
    }
}
