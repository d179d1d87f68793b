import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

@Suite("Group commit")
struct WriteGroupTests {
    static let at = Instant(iso: "2026-11-23T15:00:00Z")!

    @Test("changes sent together commit together; one that fails rolls back alone and gets its own error")
    func groupedChanges() async throws {
        let depot = try TestDepot.withFleet()
        let database = depot.database
        let outcomes = await withTaskGroup(of: Result<CaseNumber, any Error>.self) { group in
            for i in 0..<200 {
                group.addTask {
                    // Every tenth asks for a P1 from a contact who is not designated: refused.
                    let urgency: Level = i % 10 == 0 ? .high : .low
                    let request = NewCase(
                        customer: "ACME", contact: "dev@acme.example", type: .question, impact: urgency == .high ? .high : .low,
                        urgency: urgency, title: "Question \(i)")
                    do {
                        return .success(
                            try await database.grouped { try database.openCase(request, at: Self.at, actor: TestDepot.engineer) })
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<CaseNumber, any Error>] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let numbers = outcomes.compactMap { try? $0.get() }
        let refusals = outcomes.compactMap { outcome -> DepotError? in
            if case let .failure(error) = outcome { return error as? DepotError }
            return nil
        }
        #expect(numbers.count == 180 && refusals.count == 20)
        #expect(refusals.allSatisfy { if case .refused = $0 { true } else { false } })
        #expect(Set(numbers).count == 180)
        // Numbers have no gaps: a refused change took none; every case has its audit entry and event.
        #expect(Set(numbers.map(\.text)) == Set((1...180).map { String(format: "CS-2026-%06d", $0) }))
        let counts = try database.read { db in
            (
                try db.value(Int.self, "SELECT count(*) FROM support_case") ?? 0,
                try db.value(Int.self, "SELECT count(*) FROM audit WHERE entity = 'case'") ?? 0,
                try db.value(Int.self, "SELECT count(*) FROM case_event") ?? 0
            )
        }
        #expect(counts.0 == 180 && counts.1 == 180 && counts.2 == 180)
    }
}

@Suite("Point reads")
struct PointReadTests {
    @Test("a unit read again after a change shows the change, whether this handle or another process made it")
    func rememberedAnswersFollowCommits() throws {
        let depot = try TestDepot.withFleet()
        let at = Instant(iso: "2026-11-23T15:00:00Z")!
        #expect(try depot.database.unitDetail("ACME-1").status == .inService)
        #expect(try depot.database.unitDetail("ACME-1").status == .inService)
        _ = try depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1",
                impact: .low, urgency: .low, title: "Fan"), at: at, actor: TestDepot.engineer)
        let afterCase = try depot.database.unitDetail("ACME-1")
        #expect(afterCase.status == .suspect && afterCase.cases == ["CS-2026-000001"])
        // Another handle on the same file, as another process would have.
        let other = try depot.reopen()
        _ = try other.diagnose(
            serial: "ACME-1", caseNumber: "CS-2026-000001", verdict: .defective, note: "PSU", at: at, actor: TestDepot.engineer)
        let afterDiagnosis = try depot.database.unitDetail("acme-1")
        #expect(afterDiagnosis.status == .defective && afterDiagnosis.rmas == ["RMA-2026-000001"])
    }
}

/// Issue 19: what an acknowledged change survives on SQLite.
@Suite("Durability", .enabled(if: !TestBackend.isPostgres))
struct DurabilityTests {
    @Test("the writer syncs each commit (FULL) unless asked for NORMAL; writes and group commits work in both")
    func synchronous() async throws {
        let depot = try TestDepot.withFleet()
        let policy = depot.database.policy
        for (durability, expected) in [(Durability.full, 2), (.normal, 1)] {
            let database = try DepotDatabase.open(at: depot.database.path, policy: policy, durability: durability)
            let request = NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "\(durability)")
            let number = try await database.grouped { try database.openCase(request, at: WriteGroupTests.at, actor: TestDepot.engineer) }
            // The connection that commits: the group's (readers never commit).
            let inGroup = try await database.grouped { try database.read { db in try db.value(Int.self, "PRAGMA synchronous") } }
            #expect(inGroup == expected, "\(durability) in a group")
            #expect(try database.caseDetail(number, now: WriteGroupTests.at).title == "\(durability)")
        }
        let byDefault = try await depot.database.grouped {
            try depot.database.read { db in try db.value(Int.self, "PRAGMA synchronous") }
        }
        #expect(byDefault == 2, "the default")
    }
}
