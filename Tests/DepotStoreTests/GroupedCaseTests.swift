import DepotCore
import DepotTestSupport
import Foundation
import Testing

@testable import DepotStore

/// Cases opened together (the server's group commit decides them one by one, numbers them with one counter change
/// and writes them with one statement per table) are stored exactly as if each had been opened alone.
@Suite("Cases opened together")
struct GroupedCaseTests {
    static let at = Instant(iso: "2026-11-23T15:00:00Z")!

    /// Requests that collide on purpose: refusals between acceptances, one unit twice, a key in other letter case,
    /// an email with spaces, a contact of another customer, an unknown version, a year boundary out of order.
    static let requests: [(NewCase, Instant)] = [
        (NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "Q1"), at),
        (NewCase(customer: "NOPE", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "unknown"), at),
        (
            NewCase(
                customer: "ACME", contact: "ops@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .high,
                title: "Fan"),
            at
        ),
        (NewCase(customer: "GLOBEX", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "not theirs"), at),
        (
            NewCase(
                customer: "ACME", contact: " OPS@acme.example ", type: .hardwareFault, serial: "acme-1", impact: .low, urgency: .low,
                title: "Fan again"),
            at
        ),
        (NewCase(customer: "acme", contact: "dev@acme.example", type: .question, impact: .high, urgency: .high, title: "P1 from dev"), at),
        (NewCase(customer: "globex", contact: "it@globex.example", type: .productDefect, impact: .medium, urgency: .low, title: "Bug"), at),
        (
            NewCase(
                customer: "INITECH", contact: "it@initech.example", type: .question, impact: .low, urgency: .low, title: "Old",
                softwareVersion: "9.9"),
            at
        ),
        (
            NewCase(
                customer: "INITECH", contact: "it@initech.example", type: .question, impact: .low, urgency: .low, title: "Versioned",
                softwareVersion: "5.0"),
            at
        ),
        (
            NewCase(customer: "NOCON", contact: "it@nocon.example", type: .enhancement, impact: .low, urgency: .medium, title: "Last year"),
            Instant(iso: "2025-12-31T23:59:59Z")!
        ),
        (NewCase(customer: "NOCON", contact: "it@nocon.example", type: .question, impact: .low, urgency: .low, title: "No contract"), at),
        (
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "ACME-1", impact: .low, urgency: .low,
                title: "x"), at
        ),
    ]

    /// What opening gave, comparable across databases: the number or the error's text.
    static func outcome(_ result: Result<CaseNumber, DepotError>) -> String {
        switch result {
        case .success(let number): number.text
        case .failure(let error): "error: \(error)"
        }
    }

    /// Every row of `sql` as text, its columns named, those in `without` left out.
    static func dump(_ db: any SQLConnection, _ sql: String, without: Set<String> = []) throws -> [String] {
        var rows: [String] = []
        try db.each(sql, []) { row in
            rows.append(
                (0..<row.columnCount).filter { !without.contains(row.columnName(at: $0)) }
                    .map { "\(row.columnName(at: $0))=\(row.cell(at: $0))" }.joined(separator: " "))
            return true
        }
        return rows
    }

    /// Everything opening cases writes, with the columns that differ between two databases (row ids) left out.
    static func written(_ depot: TestDepot) throws -> [String] {
        try depot.database.read { db in
            try dump(
                db, "SELECT k.*, (SELECT serial FROM appliance WHERE id = k.appliance_id) AS serial FROM support_case k ORDER BY number",
                without: ["id", "appliance_id", "customer_id", "contact_id"])
                + dump(
                    db,
                    "SELECT k.number, e.target, e.threshold, e.due_at FROM case_escalation e JOIN support_case k ON k.id = e.case_id ORDER BY 1, 2"
                )
                + dump(
                    db,
                    "SELECT k.number, e.at, e.kind, e.actor, e.note FROM case_event e JOIN support_case k ON k.id = e.case_id ORDER BY 1, 2"
                )
                + dump(
                    db,
                    "SELECT recorded_at, at, \"user\", role, action, entity, entity_key, reason, details FROM audit WHERE entity = 'case' ORDER BY entity_key"
                )
                + dump(db, "SELECT serial, status, moved_at FROM appliance ORDER BY serial")
                + dump(db, "SELECT name, last FROM counter ORDER BY name")
        }
    }

    @Test("opened together or one by one: the same numbers, refusals, rows, events, audit entries and units")
    func togetherEqualsAlone() throws {
        let together = try TestDepot.withFleet()
        let alone = try TestDepot.withFleet()
        let openings = try Self.requests.map { request, at in
            try together.database.caseOpening(request, at: at, actor: TestDepot.engineer)
        }
        let grouped = try together.database.write { db in try together.database.openCases(db, openings) }.map {
            Self.outcome($0.map(\.number))
        }
        let single = Self.requests.map { request, at in
            Self.outcome(Result { () throws(DepotError) in try alone.database.openCase(request, at: at, actor: TestDepot.engineer) })
        }
        #expect(grouped == single)
        // Accepted: in order, numbered per year; the second fault on ACME-1 found it suspect already.
        #expect(
            grouped.filter { !$0.hasPrefix("error") } == [
                "CS-2026-000001", "CS-2026-000002", "CS-2026-000003", "CS-2026-000004", "CS-2026-000005", "CS-2025-000001",
            ])
        #expect(grouped.filter { $0.hasPrefix("error") }.count == 6)
        #expect(try Self.written(together) == Self.written(alone))
        #expect(try together.database.invariantViolations() == [])
    }

    @Test("keys and emails that differ only in their Unicode form are different customers and contacts in a group too")
    func unicodeForms() throws {
        // "É" as one code point and as "E" + U+0301: equal as Swift strings, two keys in the store (imported apart).
        let (composed, decomposed) = ("CAF\u{00C9}", "CAFE\u{0301}")
        let (email, decomposedEmail) = ("jos\u{00E9}@cafe.example", "jose\u{0301}@cafe.example")
        let depots = try (0..<2).map { _ in try TestDepot.withFleet() }
        for depot in depots {
            for (key, mail) in [(composed, email), (decomposed, decomposedEmail)] {
                try depot.importAll([
                    (.customers, "customer,name,region,account_manager,tam\n\(key),Cafe,emea,Bob Manager,\n"),
                    (.contacts, "email,customer,name,designated,certified\n\(mail),\(key),Jo,no,no\n"),
                ])
            }
        }
        let requests = [(composed, email), (decomposed, decomposedEmail), (composed, decomposedEmail), (decomposed, email)]
            .flatMap { pair in [pair, pair] }
            .map { NewCase(customer: $0.0, contact: $0.1, type: .enhancement, impact: .low, urgency: .low, title: "Q") }
        let (together, alone) = (depots[0], depots[1])
        let openings = try requests.map { try together.database.caseOpening($0, at: Self.at, actor: TestDepot.engineer) }
        let grouped = try together.database.write { db in try together.database.openCases(db, openings) }.map {
            Self.outcome($0.map(\.number))
        }
        let single = requests.map { request in
            Self.outcome(Result { () throws(DepotError) in try alone.database.openCase(request, at: Self.at, actor: TestDepot.engineer) })
        }
        #expect(grouped == single)
        #expect(grouped.filter { !$0.hasPrefix("error") }.count == 4)
        #expect(try Self.written(together) == Self.written(alone))
        let owners = try together.database.read { db in
            try db.values(
                String.self,
                "SELECT c.key || ' ' || t.email FROM support_case k JOIN customer c ON c.id = k.customer_id JOIN contact t ON t.id = k.contact_id ORDER BY k.number"
            )
        }
        #expect(
            owners.map { Array($0.utf8) }
                == [composed, composed, decomposed, decomposed].enumerated().map { index, key in
                    Array("\(key) \(index < 2 ? email : decomposedEmail)".utf8)
                })
    }

    @Test("cases sent at once: each answered, numbers without gaps; a case the store refuses fails alone")
    func concurrentWithStoreFailure() async throws {
        let depot = try TestDepot.withFleet()
        // A store-level failure Depot's own checks do not foresee: the group's statement fails, then each case is
        // opened on its own and only this one is refused.
        _ = try depot.outside { db in
            switch db.dialect {
            case .sqlite:
                try db.execute(
                    "CREATE TRIGGER boom BEFORE INSERT ON support_case WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END")
            case .postgres:
                try db.execute(
                    """
                    CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW.title = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$
                    """)
                try db.execute("CREATE TRIGGER boom BEFORE INSERT ON support_case FOR EACH ROW EXECUTE FUNCTION boom()")
            }
        }
        let database = depot.database
        let outcomes = await withTaskGroup(of: (Int, Result<CaseNumber, any Error>).self) { group in
            for i in 0..<120 {
                group.addTask {
                    let title = i % 30 == 7 ? "boom" : "Question \(i)"
                    let contact = i % 10 == 3 ? "nobody@acme.example" : "dev@acme.example"
                    let request = NewCase(customer: "ACME", contact: contact, type: .question, impact: .low, urgency: .low, title: title)
                    do {
                        return (i, .success(try await database.openCaseGrouped(request, at: Self.at, actor: TestDepot.engineer).number))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var all: [Int: Result<CaseNumber, any Error>] = [:]
            for await (i, outcome) in group { all[i] = outcome }
            return all
        }
        #expect(outcomes.count == 120)
        let booms = outcomes.filter { i, _ in i % 30 == 7 }.map(\.value)
        let unknown = outcomes.filter { i, _ in i % 10 == 3 }.map(\.value)
        #expect(booms.count == 4 && booms.allSatisfy { (try? $0.get()) == nil })
        #expect(unknown.allSatisfy { if case .failure(DepotError.notFound(kind: "contact", _)) = $0 { true } else { false } })
        let numbers = outcomes.values.compactMap { try? $0.get() }
        #expect(numbers.count == 120 - 4 - 12)
        #expect(Set(numbers.map(\.text)) == Set((1...numbers.count).map { String(format: "CS-2026-%06d", $0) }))
        let counts = try database.read { db in
            (
                try db.value(Int.self, "SELECT count(*) FROM support_case") ?? 0,
                try db.value(Int.self, "SELECT count(*) FROM audit WHERE entity = 'case' AND action = 'open'") ?? 0,
                try db.value(Int.self, "SELECT count(*) FROM case_event WHERE kind = 'opened'") ?? 0,
                try db.value(Int.self, "SELECT count(*) FROM support_case WHERE title = 'boom'") ?? 0
            )
        }
        #expect(counts.0 == numbers.count && counts.1 == numbers.count && counts.2 == numbers.count && counts.3 == 0)
        #expect(try database.invariantViolations() == [])
    }
}

/// Cases with Idempotency-Keys opened together: each key opens one case, however often and however close together
/// it is sent; a key sent with another request is a mismatch.
@Suite("Cases opened together, once per key")
struct GroupedKeyedCaseTests {
    @Test("a key sent three times at once opens one case; the others get its answer; another request under it is refused")
    func keysAtOnce() async throws {
        let depot = try TestDepot.withFleet()
        let database = depot.database
        let at = GroupedCaseTests.at
        // Keys k0...k19, each three times with the same request; key "shared" with two different requests.
        let sends =
            (0..<60).map { i in (key: "k\(i % 20)", fingerprint: "f\(i % 20)", user: "sam") } + [
                (key: "shared", fingerprint: "A", user: "sam"), (key: "shared", fingerprint: "B", user: "sam"),
                // The same key of another user is another key.
                (key: "k0", fingerprint: "f0", user: "sue"),
            ]
        let outcomes = await withTaskGroup(of: (Int, Result<IdempotentOutcome, any Error>).self) { group in
            for (i, send) in sends.enumerated() {
                group.addTask {
                    let request = NewCase(
                        customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "Q \(send.key)")
                    let asked = IdempotentRequest(user: send.user, key: send.key, fingerprint: send.fingerprint)
                    let actor = ActingUser(user: send.user, role: .supportEngineer)
                    do {
                        let outcome = try await database.openCaseGrouped(
                            request, at: at, actor: actor, once: asked,
                            respond: { opened in RecordedResponse(status: 201, body: Data(opened.number.text.utf8)) })
                        return (i, .success(outcome))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var all: [Int: Result<IdempotentOutcome, any Error>] = [:]
            for await (i, outcome) in group { all[i] = outcome }
            return all
        }
        var answered: [String: String] = [:]
        var replayed: [String: [String]] = [:]
        var mismatched = 0
        for (i, result) in outcomes {
            let name = "\(sends[i].user)/\(sends[i].key)"
            switch try result.get() {
            case .answered(let answer):
                #expect(answered[name] == nil, "\(name) opened twice")
                answered[name] = String(decoding: answer.body, as: UTF8.self)
            case .replayed(let answer): replayed[name, default: []].append(String(decoding: answer.body, as: UTF8.self))
            case .mismatched: mismatched += 1
            }
        }
        // 20 keys of sam, "shared" once, k0 of sue: 22 cases, each key answered once; the rest are its replays.
        #expect(answered.count == 22 && mismatched == 1)
        for (name, bodies) in replayed { #expect(bodies.allSatisfy { $0 == answered[name] }, "\(name)") }
        #expect(replayed.values.map(\.count).reduce(0, +) == 40)
        let cases = try database.read { db in try db.values(String.self, "SELECT number FROM support_case ORDER BY number") }
        #expect(Set(cases) == Set(answered.values) && cases.count == 22)
        let recorded = try database.read { db in try db.value(Int.self, "SELECT count(*) FROM idempotent_request") }
        #expect(recorded == 22)
        #expect(try database.invariantViolations() == [])
    }
}
