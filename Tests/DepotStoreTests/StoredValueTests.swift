import DepotCore
import DepotTestSupport
import Foundation
import GRDB
import Testing

@testable import DepotStore

/// A stored value Depot cannot read (changed outside Depot, or by a newer version) fails the read with a message
/// naming table, column and value; it is never read as a default (an unknown RMA state used to read as `cancelled`).
@Suite("Stored values: read exactly or refused")
struct StoredValueTests {
    static let monday = Instant(iso: "2026-11-23T15:00:00Z")!

    /// Writes `value` into `table.column` of the row `id`, past the schema's CHECK constraints.
    static func corrupt(_ depot: TestDepot, _ table: String, _ column: String, _ value: String, id: Int64) throws {
        try depot.corrupt(table, column, value, where: "id = ?", [id])
    }

    static func id(_ depot: TestDepot, _ sql: String, _ key: String) throws -> Int64 {
        try #require(try depot.database.read { db in try db.value(Int64.self, sql, [key]) })
    }

    @Test("an unknown RMA state: showing, listing and stepping the RMA are refused, naming rma.state")
    func unknownRMAState() throws {
        let depot = try TestDepot.withFleet()
        let number = try depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium, urgency: .medium,
                title: "Unit reboots"),
            at: Self.monday, actor: TestDepot.engineer)
        let rma = try #require(
            try depot.database.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU", at: Self.monday.adding(seconds: 60),
                actor: TestDepot.engineer
            ).rma)
        try Self.corrupt(depot, "rma", "state", "lost-in-space", id: try Self.id(depot, "SELECT id FROM rma WHERE number = ?", rma.text))
        let expected = DepotError.unreadableValue(table: "rma", column: "state", value: "lost-in-space")
        #expect(throws: expected) { try depot.database.rmaDetail(rma, now: Self.monday) }
        #expect(throws: expected) { try depot.database.rmas(RMAFilter(), now: Self.monday) }
        #expect(throws: expected) {
            try depot.database.cancelRMA(rma, reason: "test", at: Self.monday.adding(seconds: 120), actor: TestDepot.logistics)
        }
        #expect(expected.message == "the database holds rma.state = \"lost-in-space\", which Depot cannot read")
    }

    @Test("a malformed ship date or an unknown status of a unit: the unit page's read is refused")
    func malformedUnit() throws {
        let depot = try TestDepot.withFleet()
        let unit = try Self.id(depot, "SELECT id FROM appliance WHERE serial = ?", "ACME-1")
        try Self.corrupt(depot, "appliance", "ship_date", "2026-02-30", id: unit)
        #expect(throws: DepotError.unreadableValue(table: "appliance", column: "ship_date", value: "2026-02-30")) {
            try depot.database.unitDetail("ACME-1")
        }
        let other = try Self.id(depot, "SELECT id FROM appliance WHERE serial = ?", "GLOBEX-1")
        try Self.corrupt(depot, "appliance", "status", "teleported", id: other)
        #expect(throws: DepotError.unreadableValue(table: "appliance", column: "status", value: "teleported")) {
            try depot.database.unitDetail("GLOBEX-1")
        }
    }

    @Test("an unknown case priority: the case's detail and the case list are refused")
    func unknownPriority() throws {
        let depot = try TestDepot.withFleet()
        let number = try depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, serial: nil, impact: .low, urgency: .low, title: "How?"),
            at: Self.monday, actor: TestDepot.engineer)
        try Self.corrupt(
            depot, "support_case", "priority", "P9", id: try Self.id(depot, "SELECT id FROM support_case WHERE number = ?", number.text))
        #expect(throws: DepotError.self) { try depot.database.caseDetail(number, now: Self.monday) }
    }

    @Test("one escalation that cannot be read does not hold back the others: they fire, then it is the error")
    func damagedEscalation() throws {
        let depot = try TestDepot.withFleet()
        var numbers: [CaseNumber] = []
        for customer in ["ACME", "GLOBEX"] {
            numbers.append(
                try depot.database.openCase(
                    NewCase(
                        customer: customer, contact: customer == "ACME" ? "ops@acme.example" : "it@globex.example", type: .question,
                        impact: .high, urgency: .high, title: "Down"), at: Self.monday, actor: TestDepot.engineer))
        }
        let damaged = try Self.id(
            depot, "SELECT e.id FROM case_escalation e JOIN support_case c ON c.id = e.case_id WHERE c.number = ? ORDER BY e.id LIMIT 1",
            numbers[0].text)
        try Self.corrupt(depot, "case_escalation", "due_at", "2026-11-24 soon", id: damaged)
        let later = Self.monday.adding(seconds: 60 * 86_400)
        #expect(throws: DepotError.unreadableValue(table: "case_escalation", column: "due_at", value: "2026-11-24 soon")) {
            try depot.database.escalate(at: later, actor: TestDepot.admin)
        }
        // GLOBEX's escalations fired and were committed; ACME's other one too; the damaged one waits for a repair.
        let globex = try depot.database.caseDetail(numbers[1], now: later).escalations
        #expect(!globex.isEmpty && globex.allSatisfy(\.fired))
        let acmeFired = try depot.database.read { db in
            try db.value(
                Int.self,
                "SELECT count(*) FROM case_escalation e JOIN support_case c ON c.id = e.case_id WHERE c.number = ? AND fired_at IS NOT NULL",
                [numbers[0].text])
        }
        #expect(acmeFired == 1)
    }

    @Test("an escalation of a case whose status cannot be read does not fire: unknown is not unresolved")
    func unknownCaseStatus() throws {
        let depot = try TestDepot.withFleet()
        let number = try depot.database.openCase(
            NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .high, urgency: .high, title: "Down"),
            at: Self.monday, actor: TestDepot.engineer)
        try Self.corrupt(
            depot, "support_case", "status", "zombie", id: try Self.id(depot, "SELECT id FROM support_case WHERE number = ?", number.text))
        #expect(throws: DepotError.unreadableValue(table: "support_case", column: "status", value: "zombie")) {
            try depot.database.escalate(at: Self.monday.adding(seconds: 60 * 86_400), actor: TestDepot.admin)
        }
        let fired = try depot.database.read { db in
            try db.value(Int.self, "SELECT count(*) FROM case_escalation WHERE fired_at IS NOT NULL")
        }
        #expect(fired == 0)
    }

    @Test("cells read exactly: booleans are 0 or 1, integers are not reals, texts are not blobs, NULL is absent")
    func cells() throws {
        #expect(Bool(cell: .integer(1)) == true && Bool(cell: .integer(0)) == false && Bool(cell: .integer(2)) == nil)
        #expect(Int64(cell: .real(1.5)) == nil && Double(cell: .integer(3)) == 3)
        #expect(String(cell: .blob(Data("x".utf8))) == nil && String(cell: .null) == nil)
        #expect(RMAState(cell: .text("allocated")) == .allocated && RMAState(cell: .text("Allocated")) == nil)
        #expect(LocalDate(cell: .text("2026-02-28")) != nil && LocalDate(cell: .text("2026-02-29")) == nil)
        let row = StoredRow(source: "t") { $0 == "a" ? .null : $0 == "b" ? .text("x") : nil }
        #expect(try row.optional("a") as String? == nil)
        #expect(throws: DepotError.unreadableValue(table: "t", column: "a", value: "NULL")) { try row("a") as String }
        #expect(throws: DepotError.unreadableValue(table: "t", column: "c", value: "(no such column)")) { try row("c") as String }
        #expect(throws: DepotError.unreadableValue(table: "t", column: "b", value: "x")) { try row("b") as Int64 }
    }
}

@Suite("COPY text fields")
struct CopyFieldTests {
    @Test("NULL is \\N; backslash, tab, newline and carriage return are escaped; other text is kept")
    func escaping() {
        #expect(PGConnection.copyField(nil) == #"\N"#)
        #expect(PGConnection.copyField(#"\N"#) == #"\\N"#)
        #expect(PGConnection.copyField("a\\b\tc\nd\re") == #"a\\b\tc\nd\re"#)
        #expect(PGConnection.copyField(#"7.2 "rc",1 Zürich"#) == #"7.2 "rc",1 Zürich"#)
        #expect(PGConnection.copyField("") == "")
    }
}
