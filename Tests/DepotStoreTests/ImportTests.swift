import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

@Suite("Fleet import")
struct ImportTests {
    let at = Instant(iso: "2026-11-23T12:00:00Z")!

    @Test("the fleet imports, and importing it again changes nothing")
    func reimportIsIdempotent() throws {
        let depot = try TestDepot.withFleet()
        let file = depot.folder.write("again.csv", Fleet.appliances)
        let summary = try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at)
        #expect(summary == ImportSummary(entity: .appliances, file: file, rows: 8, added: 0, updated: 0, unchanged: 8))
        let models = depot.folder.write("models.csv", Fleet.models)
        let again = try depot.database.importFile(.models, path: models, actor: TestDepot.admin, at: at)
        #expect((again.added, again.updated, again.unchanged) == (0, 0, 2))
    }

    @Test("a re-import with changed rows updates them and counts added, updated and unchanged")
    func upsertCounts() throws {
        let depot = try TestDepot.withFleet()
        let file = depot.folder.write(
            "update.csv",
            """
            serial,software_version
            acme-1,5.0
            GLOBEX-1,5.1
            """)
        // A partial file: only the columns it names change; a serial matches case-insensitively.
        let summary = try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at)
        #expect((summary.added, summary.updated, summary.unchanged) == (0, 1, 1))
        let added = depot.folder.write(
            "add.csv",
            """
            serial,model,site,ship_date
            NEW-1,DX-200,ACME-NYC,2026-11-01
            """)
        let second = try depot.database.importFile(.appliances, path: added, actor: TestDepot.admin, at: at)
        #expect((second.added, second.updated, second.unchanged) == (1, 0, 0))
    }

    @Test("serials that differ only in Unicode form are two units on both backends; importing them again changes nothing")
    func unicodeFormsOfASerial() throws {
        let depot = try TestDepot.withFleet()
        let (composed, decomposed) = ("Z\u{00C9}1", "ZE\u{0301}1")
        let file = depot.folder.write(
            "forms.csv", "serial,model,site,ship_date\n\(composed),DX-200,ACME-NYC,2026-11-01\n\(decomposed),DX-100,ACME-NYC,2026-11-02\n")
        let summary = try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at)
        #expect((summary.added, summary.updated, summary.unchanged) == (2, 0, 0))
        #expect(try depot.database.unitDetail(Serial(composed)!).model == "DX-200")
        #expect(try depot.database.unitDetail(Serial(decomposed)!).model == "DX-100")
        let again = try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at)
        #expect((again.added, again.updated, again.unchanged) == (0, 0, 2))
        #expect(try depot.database.invariantViolations() == [])
    }

    @Test("large files go in groups of rows: a duplicate or an existing serial inside a group is still found, in file order")
    func groupedInserts() throws {
        let depot = try TestDepot.withFleet()
        let header = "serial,model,site,ship_date\n"
        var rows = (0..<100).map { "G-\($0),DX-200,ACME-NYC,2026-05-01" }
        rows[49] = "g-10,DX-200,ACME-NYC,2026-05-01"  // line 51 repeats line 12 (serials match case-insensitively)
        let bad = depot.folder.write("dup.csv", header + rows.joined(separator: "\n"))
        let error = #expect(throws: DepotError.self) {
            try depot.database.importFile(.appliances, path: bad, actor: TestDepot.admin, at: at)
        }
        #expect(
            error
                == .invalidImport(
                    file: bad,
                    problems: [
                        ImportProblem(line: 51, column: "serial", message: "duplicate serial \"G-10\": an earlier row of this file has it")
                    ], more: 0))
        rows[49] = "G-49,DX-200,ACME-NYC,2026-05-01"
        let good = depot.folder.write("good.csv", header + rows.joined(separator: "\n"))
        let first = try depot.database.importFile(.appliances, path: good, actor: TestDepot.admin, at: at)
        #expect((first.added, first.updated, first.unchanged) == (100, 0, 0))
        // Again, with one changed row in the middle of a group and ACME-1 (held before) moved to another date.
        rows[40] = "G-40,DX-200,ACME-NYC,2026-06-01"
        rows.append(contentsOf: (100..<130).map { "G-\($0),DX-200,ACME-NYC,2026-05-01" })
        rows.insert("ACME-1,DX-100,ACME-NYC,2026-03-02", at: 70)
        let again = depot.folder.write("again.csv", header + rows.joined(separator: "\n"))
        let second = try depot.database.importFile(.appliances, path: again, actor: TestDepot.admin, at: at)
        #expect((second.added, second.updated, second.unchanged) == (30, 2, 99))
        #expect(try depot.database.unitDetail("G-40").shipDate.description == "2026-06-01")
        #expect(try depot.database.unitDetail("ACME-1").warrantyEnd.description == "2027-03-02")
    }

    @Test("rows updating one unit act in file order: the second sees the first; an unknown serial needs a new unit's columns")
    func updatesInFileOrder() throws {
        let depot = try TestDepot.withFleet()
        let header = "serial,software_version\n"
        let rows = "GLOBEX-1,5.0\nglobex-1,5.0\nGLOBEX-1,5.1\nACME-1,5.0\n"
        let unknown = depot.folder.write("unknown.csv", header + rows + "NOPE-1,5.0\n")
        let error = #expect(throws: DepotError.self) {
            try depot.database.importFile(.appliances, path: unknown, actor: TestDepot.admin, at: at)
        }
        #expect(
            error
                == .invalidImport(
                    file: unknown,
                    problems: [ImportProblem(line: 6, column: nil, message: "a new appliance needs model, ship_date, site or depot")],
                    more: 0))
        #expect(try depot.database.unitDetail("ACME-1").softwareVersion == "5.1")
        let summary = try depot.database.importFile(
            .appliances, path: depot.folder.write("twice.csv", header + rows), actor: TestDepot.admin, at: at)
        // GLOBEX-1 (5.1): to 5.0, then unchanged, then back to 5.1; ACME-1 to 5.0.
        #expect((summary.added, summary.updated, summary.unchanged) == (0, 3, 1))
        #expect(try depot.database.unitDetail("GLOBEX-1").softwareVersion == "5.1")
        #expect(try depot.database.unitDetail("ACME-1").softwareVersion == "5.0")
        // A unit with an open case keeps its ship date, and the refusal names the case.
        let number = try depot.database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium, urgency: .medium,
                title: "Fan noise"), at: at, actor: TestDepot.engineer)
        let open = depot.folder.write("open.csv", "serial,ship_date\nGLOBEX-1,2026-02-02\nACME-1,2026-03-05\n")
        let refused = #expect(throws: DepotError.self) {
            try depot.database.importFile(.appliances, path: open, actor: TestDepot.admin, at: at)
        }
        #expect(
            refused
                == .invalidImport(
                    file: open,
                    problems: [
                        ImportProblem(
                            line: 3, column: "ship_date",
                            message:
                                "unit \"ACME-1\" has the open \(number.text); its model and ship date change only when nothing is open on it"
                        )
                    ], more: 0))
        #expect(try depot.database.unitDetail("GLOBEX-1").shipDate.description == "2026-02-01")
        #expect(try FleetInvariants.violations(in: depot.database) == [])
    }

    @Test("a model's new warranty length moves its units' warranty ends")
    func warrantyFollowsModel() throws {
        let depot = try TestDepot.withFleet()
        let before = try depot.database.warrantyEnd("ACME-1")
        #expect(before == "2027-03-01")
        let file = depot.folder.write("models2.csv", "model,warranty_months\nDX-100,36\n")
        _ = try depot.database.importFile(.models, path: file, actor: TestDepot.admin, at: at)
        #expect(try depot.database.warrantyEnd("ACME-1") == "2029-03-01")
    }

    @Test("a replacement's warranty follows its original's when the model's warranty length changes")
    func replacementWarrantyFollowsModel() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let verdict = try #require(Instant(iso: "2026-11-23T15:00:00Z"))
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Dead"),
            at: verdict, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU", at: verdict, actor: TestDepot.engineer)
                .rma)
        let spare = try db.allocate(rma: rma, at: verdict.adding(seconds: 600), actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1Z9", at: verdict.adding(seconds: 3600), actor: TestDepot.logistics)
        #expect(try db.unitDetail(spare).warrantyEnd.description == "2027-03-01")  // the original's remainder
        func models(_ months: Int) throws {
            let file = depot.folder.write("models-\(months).csv", "model,warranty_months\nDX-100,\(months)\n")
            _ = try db.importFile(.models, path: file, actor: TestDepot.admin, at: at)
        }
        // Three years: the original's end moves, and the replacement's with it.
        try models(36)
        #expect(try db.warrantyEnd("ACME-1") == "2029-03-01" && db.unitDetail(spare).warrantyEnd.description == "2029-03-01")
        // One month: the original ended in April; the replacement keeps 90 days from its own ship date (New York's day).
        try models(1)
        #expect(try db.warrantyEnd("ACME-1") == "2026-04-01" && db.unitDetail(spare).warrantyEnd.description == "2027-02-21")
        #expect(try db.tallyDrift() == [])
    }

    @Test("one bad row rejects the file; every bad row is listed by line and column; nothing changes")
    func badRowsRejectTheFile() throws {
        let depot = try TestDepot.withFleet()
        let file = depot.folder.write(
            "bad.csv",
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            GOOD-1,DX-100,ACME,ACME-NYC,,2026-01-01,5.1,
            BAD-1,DX-999,ACME,ACME-NYC,,2026-01-01,5.1,
            BAD-2,DX-100,ACME,GLOBEX-LON,,2026-01-01,5.1,
            BAD-3,DX-100,ACME,ACME-NYC,,2026-02-30,5.1,
            GOOD-1,DX-100,ACME,ACME-NYC,,2026-01-01,5.1,
            BAD-4,DX-100,ACME,ACME-NYC,,2026-01-01,9.9,
            BAD-5,DX-100,,,D-US,2026-01-01,5.1,in-service
            "BAD-6",DX-100
            """)
        let before = try depot.database.auditEntries().count
        let error = #expect(throws: DepotError.self) {
            try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at)
        }
        guard case let .invalidImport(_, problems, more)? = error else {
            Issue.record("expected invalidImport, got \(String(describing: error))")
            return
        }
        #expect(more == 0)
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        #expect(problems.map(\.column) == ["model", "site", "ship_date", "serial", "software_version", "status", nil])
        #expect(problems[0].message == "unknown model \"DX-999\"")
        #expect(problems[3].message.contains("duplicate serial \"GOOD-1\""))
        #expect(problems[6].message == "2 fields, the header has 8")
        // Nothing was written: GOOD-1 is not there and the audit log has no entry for the import.
        #expect(throws: DepotError.notFound(kind: "appliance", key: "GOOD-1")) { try depot.database.applianceStatus("GOOD-1") }
        #expect(try depot.database.auditEntries().count == before)
    }

    @Test("the problem list stops at the limit and counts the rest")
    func problemLimit() throws {
        let depot = try TestDepot.withFleet()
        let rows = (1...120).map { "X-\($0),NOPE,ACME,ACME-NYC,,2026-01-01,5.1," }.joined(separator: "\n")
        let file = depot.folder.write("many.csv", "serial,model,customer,site,depot,ship_date,software_version,status\n" + rows)
        let error = #expect(throws: DepotError.self) {
            try depot.database.importFile(.appliances, path: file, actor: TestDepot.admin, at: at, problemLimit: 50)
        }
        guard case let .invalidImport(_, problems, more)? = error else { Issue.record("expected invalidImport"); return }
        #expect(problems.count == 50 && more == 70)
        #expect(error?.message.hasSuffix("... and 70 more") == true)
    }

    @Test("an unknown column, a missing key column and malformed CSV are refused with the line")
    func headerAndSyntaxErrors() throws {
        let depot = try TestDepot.withFleet()
        let unknown = depot.folder.write("u.csv", "model,name,colour\nA,B,red\n")
        #expect(
            throws: DepotError.invalidFile(
                file: unknown, line: 1, message: "unknown column \"colour\" for models (columns: model,name,warranty_months,successor)")
        ) {
            try depot.database.importFile(.models, path: unknown, actor: TestDepot.admin, at: at)
        }
        let noKey = depot.folder.write("k.csv", "name\nB\n")
        #expect(throws: DepotError.invalidFile(file: noKey, line: 1, message: "the key column \"model\" is missing")) {
            try depot.database.importFile(.models, path: noKey, actor: TestDepot.admin, at: at)
        }
        let open = depot.folder.write("o.csv", "model,name\nA,B\nC,\"never closed\nD,E\n")
        let error = #expect(throws: DepotError.self) { try depot.database.importFile(.models, path: open, actor: TestDepot.admin, at: at) }
        #expect(
            error
                == .invalidImport(
                    file: open, problems: [ImportProblem(line: 3, column: nil, message: "a quoted field opens here and is never closed")],
                    more: 0))
    }

    @Test("the contract active on the import's day in the customer's region caps designated contacts, on every change")
    func designatedCap() throws {
        let depot = try TestDepot.withFleet()
        func load(_ entity: ImportEntity, _ csv: String, at: String) -> String? {
            let file = depot.folder.write("\(entity.rawValue).csv", csv)
            do {
                _ = try depot.database.importFile(entity, path: file, actor: TestDepot.admin, at: Instant(iso: at)!)
                return nil
            } catch { return error.message }
        }
        let second = "email,customer,name,designated,certified\nsecond@initech.example,INITECH,Second,yes,yes\n"
        // INITECH's contract (to 2026-12-31) allows one, and it@initech.example is designated.
        #expect(
            load(.contacts, second, at: "2026-06-01T03:00:00Z")?.contains(
                "line 2, designated: customer \"INITECH\" would have 2 designated contacts; its contract active on 2026-06-01 allows 1")
                == true)
        // A renewal allowing three does not count before it starts: Sydney's 2026-12-31 ends at 13:00 UTC.
        #expect(
            load(
                .contracts,
                "contract,customer,tier,start_date,end_date,max_contacts\nC-INITECH-2,INITECH,premium,2027-01-01,2027-12-31,3\n",
                at: "2026-11-23T12:00:00Z") == nil)
        #expect(load(.contacts, second, at: "2026-12-31T12:59:59Z")?.contains("its contract active on 2026-12-31 allows 1") == true)
        #expect(load(.contacts, second, at: "2026-12-31T13:00:00Z") == nil)
        // Lowering the active contract's cap below the designated contacts is refused at its column.
        #expect(
            load(.contracts, "contract,customer,max_contacts\nC-INITECH-2,INITECH,1\n", at: "2027-02-01T03:00:00Z")?.contains(
                "line 2, max_contacts: customer \"INITECH\" would have 2 designated contacts; its contract active on 2027-02-01 allows 1")
                == true)
        // GLOBEX's contract ended: its designated contact stays and may be renamed, but no one more is designated.
        #expect(load(.contacts, "email,customer,name\nit@globex.example,GLOBEX,Ivan I. T.\n", at: "2027-03-01T12:00:00Z") == nil)
        #expect(
            load(
                .contacts, "email,customer,name,designated,certified\nnew@globex.example,GLOBEX,New,yes,yes\n", at: "2027-03-01T12:00:00Z")?
                .contains(
                    "customer \"GLOBEX\" would have 2 designated contacts; it has no contract active on 2027-03-01, which allows none")
                == true)
        #expect(try depot.database.invariantViolations() == [])
    }

    @Test("a new or changed designated contact is welcomed once per change; others and unchanged rows are not")
    func welcome() throws {
        let depot = try TestDepot.withFleet()
        func load(_ csv: String, at: String) throws {
            let file = depot.folder.write("contacts.csv", csv)
            _ = try depot.database.importFile(.contacts, path: file, actor: TestDepot.admin, at: Instant(iso: at)!)
        }
        func welcomed() throws -> [String] {
            try depot.database.pendingNotifications().filter { $0.event == "contact-welcome" }.map { "\($0.subject) \($0.target)" }
        }
        #expect(try welcomed() == [])
        let header = "email,customer,name,designated,certified\n"
        try load(header + "ops@acme.example,ACME,Olga Ops,yes,yes\nnew@acme.example,ACME,New Person,no,no\n", at: "2026-06-01T12:00:00Z")
        #expect(try welcomed() == [], "an unchanged designated contact and a new plain one")
        try load(header + "new@acme.example,ACME,New Person,yes,yes\n", at: "2026-06-02T12:00:00Z")
        try load(header + "ops@acme.example,ACME,Olga Ops-Smith,yes,yes\n", at: "2026-06-03T12:00:00Z")
        try load(header + "ops@acme.example,ACME,Olga Ops-Smith,yes,yes\n", at: "2026-06-04T12:00:00Z")
        #expect(try welcomed() == ["new@acme.example contacts", "ops@acme.example contacts"])
        // A refused file queues nothing.
        #expect(throws: DepotError.self) { try load(header + "dev@acme.example,ACME,Dan Dev,yes,no\n", at: "2026-06-05T12:00:00Z") }
        #expect(try welcomed().count == 2)
    }

    @Test("a designated contact must be certified: new rows, updates of either flag, and the P1 it may report")
    func designatedNeedsCertification() throws {
        let depot = try TestDepot.withFleet()
        func refusal(_ csv: String) -> String? {
            let file = depot.folder.write("contacts.csv", csv)
            do {
                _ = try depot.database.importFile(.contacts, path: file, actor: TestDepot.admin, at: at)
                return nil
            } catch {
                return error.message
            }
        }
        let rule = "a designated contact must be certified"
        // A new contact designated without certification (certified defaults to no), or said so.
        #expect(refusal("email,customer,name,designated\nnew@acme.example,ACME,New,yes\n")?.contains("designated: \(rule)") == true)
        #expect(
            refusal("email,customer,name,designated,certified\nnew@acme.example,ACME,New,yes,no\n")?.contains("certified: \(rule)") == true)
        // An update: designating an uncertified contact (dev@acme is neither), or uncertifying a designated one.
        #expect(refusal("email,designated\ndev@acme.example,yes\n")?.contains("line 2, designated: \(rule)") == true)
        #expect(refusal("email,certified\nops@acme.example,no\n")?.contains("line 2, certified: \(rule)") == true)
        // Nothing of a refused file was written; certifying first, then designating, is accepted.
        #expect(refusal("email,certified\ndev@acme.example,yes\n") == nil)
        #expect(refusal("email,designated\nops@acme.example,no\n") == nil)
        #expect(refusal("email,designated\ndev@acme.example,yes\n") == nil)
        // A contact designated before the rule, without certification (written past Depot): no P1 from it.
        _ = try depot.outside { db in try db.execute("UPDATE contact SET certified = ? WHERE email = 'dev@acme.example'", [false]) }
        #expect {
            try depot.database.openCase(
                NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .high, urgency: .high, title: "Down"),
                at: at, actor: TestDepot.engineer)
        } throws: { error in
            (error as? DepotError)?.message.contains("dev@acme.example is designated but not certified") == true
        }
    }

    @Test("small entities validate regions, tiers, dates and references")
    func smallEntityValidation() throws {
        let depot = try TestDepot.withFleet()
        let file = depot.folder.write(
            "k.csv",
            """
            contract,customer,tier,start_date,end_date,max_contacts
            K1,NOBODY,gold,2026-01-01,2025-01-01,x
            """)
        let error = #expect(throws: DepotError.self) {
            try depot.database.importFile(.contracts, path: file, actor: TestDepot.admin, at: at)
        }
        guard case let .invalidImport(_, problems, _)? = error else { Issue.record("expected invalidImport"); return }
        #expect(problems.map(\.column) == ["customer", "tier", "end_date", "max_contacts"])
        let sites = depot.folder.write("s.csv", "site,customer,name,country,region\nS1,ACME,X,USA,mars\n")
        let siteError = #expect(throws: DepotError.self) {
            try depot.database.importFile(.sites, path: sites, actor: TestDepot.admin, at: at)
        }
        guard case let .invalidImport(_, siteProblems, _)? = siteError else { Issue.record("expected invalidImport"); return }
        #expect(siteProblems.map(\.column) == ["country", "region"])
    }

    @Test("only an admin imports")
    func importNeedsAdmin() throws {
        let depot = try TestDepot.withFleet()
        let file = depot.folder.write("m.csv", Fleet.models)
        #expect(throws: DepotError.forbidden(user: "sam", role: "support-engineer", permission: "import fleet data")) {
            try depot.database.importFile(.models, path: file, actor: TestDepot.engineer, at: at)
        }
    }
}
