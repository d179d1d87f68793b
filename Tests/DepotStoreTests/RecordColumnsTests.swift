import DepotCore
import DepotTestSupport
import Testing

@testable import DepotStore

/// The records' named column lists (they replace `SELECT *` so that PostgreSQL can keep the lookups prepared): every
/// column of the table is either read by the record or deliberately left out here, so a column added to a table
/// and to a decoder cannot be forgotten in the list (an optional one would otherwise read as NULL without error).
@Suite("Record column lists")
struct RecordColumnsTests {
    /// Columns a record leaves out on purpose: the PIN's hash is read only where a PIN is checked or set.
    static let leftOut: [String: Set<String>] = ["customer": ["pin_hash", "pin_rotated_at"]]

    func check<R: TableRecord>(_ record: R.Type, in depot: TestDepot) throws {
        let listed = record.columns.split(separator: ", ").map(String.init)
        let table = try depot.database.read { db in try db.columns(of: R.table) }
        #expect(Set(listed).count == listed.count, "\(R.table): a column listed twice")
        #expect(
            Set(listed).union(Self.leftOut[R.table] ?? []) == Set(table),
            "\(R.table): listed \(listed.sorted()), table has \(table.sorted())")
    }

    @Test("each record lists exactly its table's columns")
    func lists() throws {
        let depot = try TestDepot.empty()
        try check(CustomerRecord.self, in: depot)
        try check(ContactRecord.self, in: depot)
        try check(ApplianceRecord.self, in: depot)
        try check(CaseRecord.self, in: depot)
        try check(RMARecord.self, in: depot)
        try check(EscalationRecord.self, in: depot)
        try check(DepotRecord.self, in: depot)
    }

    @Test("a record found by its list reads as found by every column")
    func sameRecord() throws {
        let depot = try TestDepot.withFleet()
        let (listed, all) = try depot.database.read { db in
            let serial = try #require(try db.value(String.self, "SELECT serial FROM appliance ORDER BY serial LIMIT 1"))
            return (
                try ApplianceRecord.find(db, "serial", serial),
                try db.fetchOne(ApplianceRecord.self, "SELECT * FROM appliance WHERE serial = ?", [serial], source: "appliance")
            )
        }
        #expect(listed != nil && "\(String(describing: listed))" == "\(String(describing: all))")
    }
}
