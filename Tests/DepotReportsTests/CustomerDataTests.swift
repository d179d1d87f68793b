import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// Runs a Python snippet (an independent reader: zipfile, json, csv) and returns what it prints.
private func python(_ script: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = FileHandle(forWritingAtPath: "/dev/null")
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = out
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A customer's data on request (SPEC.md 6): export and erasure.
@Suite("Customer data: export and erasure")
struct CustomerDataTests {
    let monday = instant("2026-11-23T15:00:00Z")

    /// ACME with two cases (one diagnosed into an RMA, one closed as confirmed by Olga), an attachment, and
    /// GLOBEX with a case of its own.
    func history(_ depot: TestDepot) throws -> (rmaCase: CaseNumber, closed: CaseNumber, other: CaseNumber) {
        let db = depot.database
        let rmaCase = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Dan Dev reports a dead unit", description: "Dan Dev (dev@acme.example) says the PSU clicks"),
            at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(
            serial: "ACME-1", caseNumber: rmaCase, verdict: .defective, note: "PSU dead", at: monday, actor: TestDepot.engineer)
        // The customer's escalation names the contact in its record, its audit entry and its notification's payload.
        _ = try db.recordCustomerEscalation(
            rmaCase, requestedBy: "dev@acme.example", reason: "Dan Dev needs it today", at: monday, actor: TestDepot.engineer)
        let upload = try db.beginUpload()
        try upload.append(Array("psu log".utf8))
        _ = try db.attach(
            upload, to: rmaCase, name: "psu.log", mediaType: "text/plain", secure: false, at: monday, actor: TestDepot.engineer)
        let closed = try db.openCase(
            NewCase(
                customer: "ACME", contact: "ops@acme.example", type: .question, impact: .low, urgency: .low,
                title: "Question from Olga Ops",
                description: "How do I reset? -- Olga"),
            at: monday, actor: TestDepot.engineer)
        try db.advanceCase(closed, .close, confirmedBy: "ops@acme.example", at: monday.adding(seconds: 3600), actor: TestDepot.engineer)
        let other = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .question, impact: .low, urgency: .low, title: "Globex question"),
            at: monday, actor: TestDepot.engineer)
        return (rmaCase, closed, other)
    }

    @Test(
        "the export ZIP, read back with Python's zipfile, holds the customer's rows as JSON and CSV, its attachments and a true manifest; nothing of others"
    )
    func export() throws {
        let depot = try TestDepot.withFleet()
        let (rmaCase, closed, other) = try history(depot)
        let zip = depot.folder.path + "/acme.zip"
        let export = try depot.database.exportCustomer("ACME", to: zip, at: monday, actor: TestDepot.admin)
        #expect(throws: DepotError.self) { try depot.database.exportCustomer("ACME", to: zip, at: monday, actor: TestDepot.accountManager) }
        let read = try python(
            """
            import csv, hashlib, io, json, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            manifest = json.loads(z.read("ACME/manifest.json"))
            ok = all(hashlib.sha256(z.read("ACME/" + f["path"])).hexdigest() == f["sha256"] for f in manifest["files"])
            names = sorted(n for n in z.namelist())
            cases = json.loads(z.read("ACME/cases.json"))
            contacts = list(csv.DictReader(io.StringIO(z.read("ACME/contacts.csv").decode())))
            audit = json.loads(z.read("ACME/audit.json"))
            timeline = json.loads(z.read("ACME/case-timelines.json"))
            print(json.dumps({"ok": ok, "names": names, "cases": [c["number"] for c in cases], "contacts": sorted(c["email"] for c in contacts),
                              "rmas": [r["number"] for r in json.loads(z.read("ACME/rmas.json"))],
                              "units": sorted(u["serial"] for u in json.loads(z.read("ACME/units.json"))),
                              "auditKeys": sorted(set(a["entity_key"] for a in audit)), "timelineCases": sorted(set(t["case"] for t in timeline)),
                              "attachment": z.read("ACME/attachments/1-psu.log").decode() if "ACME/attachments/1-psu.log" in names else None,
                              "manifestFiles": len(manifest["files"]), "customer": manifest["customer"]}))
            """, [zip])
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [String: Any], "\(read)")
        #expect(answer["ok"] as? Bool == true && answer["customer"] as? String == "ACME")
        #expect(answer["cases"] as? [String] == [rmaCase.text, closed.text])
        // Checked against the database: its cases, contacts and RMAs of ACME, and the manifest's row counts.
        let databaseCases = try depot.database.cases(CaseFilter(customer: "ACME"), now: monday).map(\.number.text).sorted()
        let databaseRMAs = try depot.database.rmas(RMAFilter(customer: "ACME"), now: monday).map(\.number.text)
        #expect(answer["cases"] as? [String] == databaseCases && answer["rmas"] as? [String] == databaseRMAs)
        #expect(export.files.first { $0.path == "cases.json" }?.rows == 2 && export.files.first { $0.path == "contacts.csv" }?.rows == 2)
        #expect(answer["contacts"] as? [String] == ["dev@acme.example", "ops@acme.example"])
        #expect(answer["rmas"] as? [String] == ["RMA-2026-000001"])
        #expect((answer["units"] as? [String])?.contains("ACME-1") == true)
        #expect(
            (answer["auditKeys"] as? [String]).map { Set($0).isSuperset(of: [rmaCase.text, closed.text, "RMA-2026-000001", "ACME-1"]) }
                == true)
        #expect((answer["auditKeys"] as? [String])?.contains(other.text) == false)
        #expect(answer["timelineCases"] as? [String] == [rmaCase.text, closed.text])
        #expect(answer["attachment"] as? String == "psu log")
        #expect(answer["manifestFiles"] as? Int == export.files.count)
        let names = answer["names"] as? [String] ?? []
        for table in ["customer", "sites", "contracts", "contacts", "units", "cases", "case-timelines", "rmas", "rma-history", "audit"] {
            #expect(names.contains("ACME/\(table).json") && names.contains("ACME/\(table).csv"), "\(table)")
        }
        #expect(try depot.database.auditEntries(entity: "customer", key: "ACME", user: nil, limit: 5).contains { $0.action == "export" })
    }

    @Test(
        "after erasing ACME's contacts no name or address of theirs is in any text column, the pseudonyms are stable, and every report is byte-for-byte the same"
    )
    func erase() throws {
        let depot = try TestDepot.withFleet()
        let (rmaCase, _, _) = try history(depot)
        _ = try depot.database.escalate(at: instant("2026-12-31T00:00:00Z"), actor: .system)
        func reports() throws -> [String: [[String]]] {
            var all: [String: [[String]]] = [:]
            for report in ReportCatalog.all {
                let table = try depot.database.table(
                    report, parameters: ReportParameters(asOf: LocalDate(iso: "2026-12-31")!), limit: 100_000)
                all[report.name] = [table.columns] + table.rows
            }
            return all
        }
        let before = try reports()
        let personal = ["ops@acme.example", "Olga Ops", "dev@acme.example", "Dan Dev"]
        #expect(try occurrences(depot, of: personal) > 0)  // the test data does hold them

        #expect(throws: DepotError.self) {
            try depot.database.eraseContacts(of: "ACME", contact: nil, at: monday, actor: TestDepot.engineer)
        }
        let erased = try depot.database.eraseContacts(of: "ACME", contact: nil, at: monday, actor: TestDepot.admin)
        #expect(erased.contacts == ["erased-contact-1@erased.invalid", "erased-contact-2@erased.invalid"])
        #expect(try occurrences(depot, of: personal) == 0)
        #expect(try reports() == before)
        // Stable: erasing again changes nothing and names the same pseudonyms; GLOBEX's contact is untouched.
        #expect(try depot.database.eraseContacts(of: "ACME", contact: nil, at: monday, actor: TestDepot.admin).contacts == erased.contacts)
        #expect(try occurrences(depot, of: ["it@globex.example", "Ivan IT"]) > 0)
        let detail = try depot.database.caseDetail(rmaCase, now: monday)
        #expect(detail.contact == "erased-contact-2@erased.invalid" && detail.description == "[erased]" && detail.serial == "ACME-1")
        // The audit log is append-only again afterwards.
        #expect(throws: (any Error).self) { try depot.outside { db in try db.execute("UPDATE audit SET reason = 'x'") } }
        #expect(
            try depot.database.auditEntries(entity: "customer", key: "ACME", user: nil, limit: 5).contains { $0.action == "erase-contacts" }
        )
        // One contact only.
        #expect(throws: DepotError.notFound(kind: "contact of GLOBEX", key: "nobody@globex.example")) {
            try depot.database.eraseContacts(of: "GLOBEX", contact: "nobody@globex.example", at: monday, actor: TestDepot.admin)
        }
    }

    /// Customers whose keys and contacts' names are prefixes of each other, and records of different kinds that share
    /// keys (a contract of ALPHA and a unit of BETA are both `B-2`).
    static let collidingFleet: [(ImportEntity, String)] = [
        (.models, "model,name,warranty_months,successor\nDX-100,Depot X 100,12,\n"),
        (
            .customers,
            """
            customer,name,region,account_manager,tam
            C1,One Ltd,emea,Alice Manager,
            C10,Ten Ltd,emea,Alice Manager,
            ALPHA,Alpha AG,emea,Bob Manager,
            BETA-CORP,Beta Corp,emea,Bob Manager,
            """
        ),
        (
            .sites,
            """
            site,customer,name,country,region,address
            C1-LON,C1,London,GB,emea,1 Strand
            C10-LON,C10,London,GB,emea,10 Strand
            B-2,ALPHA,Alpha HQ,GB,emea,2 Strand
            BETA-LON,BETA-CORP,Beta HQ,GB,emea,3 Strand
            """
        ),
        (.depots, "depot,name,region,address\nD-EU,Amsterdam,emea,Havenweg 12\n"),
        (
            .contracts,
            """
            contract,customer,tier,start_date,end_date,max_contacts
            K-C1,C1,premium,2026-01-01,2026-12-31,3
            K-C10,C10,premium,2026-01-01,2026-12-31,3
            B-2-CONTRACT,ALPHA,premium,2026-01-01,2026-12-31,3
            K-BETA,BETA-CORP,standard,2026-01-01,2026-12-31,3
            """
        ),
        (
            .contacts,
            """
            email,customer,name,designated,certified
            contact1@c1.example,C1,Contact 1,yes,yes
            ann@c1.example,C1,Ann,no,no
            contact10@c10.example,C10,Contact 10,yes,yes
            annual@c10.example,C10,Annual Report Team,no,no
            anna@c10.example,C10,Anna,no,no
            joann@c1.example.org,C10,Jo Ann,no,no
            ops@alpha.example,ALPHA,Alpha Ops,yes,yes
            ops@beta.example,BETA-CORP,Beta Ops,yes,yes
            """
        ),
        (.releases, "version,released_on\n5.1,2025-09-01\n"),
        (
            .appliances,
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            C1-UNIT,DX-100,C1,C1-LON,,2026-03-01,5.1,in-service
            C10-UNIT,DX-100,C10,C10-LON,,2026-03-01,5.1,in-service
            K-C10,DX-100,ALPHA,B-2,,2026-03-01,5.1,in-service
            B-2,DX-100,BETA-CORP,BETA-LON,,2026-03-01,5.1,in-service
            SPARE,DX-100,,,D-EU,2026-01-10,5.1,in-stock
            """
        ),
    ]

    /// Every entry of a customer export as text (through Python's zipfile), the audit files without the entries of
    /// exports themselves (each export is audited, so the next export of the same customer holds one entry more).
    func exportEntries(_ depot: TestDepot, _ customer: String) throws -> [String: String] {
        let zip = depot.folder.path + "/\(customer)-\(UUID().uuidString).zip"
        _ = try depot.database.exportCustomer(customer, to: zip, at: monday, actor: TestDepot.admin)
        let out = try python(
            """
            import json, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            entries = {}
            for name in z.namelist():
                if name.endswith("manifest.json"):
                    continue
                text = z.read(name).decode("utf-8", "replace")
                if name.endswith("audit.json"):
                    text = json.dumps([e for e in json.loads(text) if e["action"] != "export"], sort_keys=True)
                elif name.endswith("audit.csv"):
                    lines = [line for line in text.splitlines() if ",export," not in line]
                    text = "\\n".join(lines) if len(lines) > 1 else ""
                entries[name] = text
            print(json.dumps(entries))
            """, [zip])
        return try JSONDecoder().decode([String: String].self, from: Data(out.utf8))
    }

    /// C1's case mentions its contact Ann; C10's texts mention Ann, Annual Report Team, Anna, Contact 10 and Jo Ann.
    func prefixHistory(_ depot: TestDepot) throws -> (c1: CaseNumber, c10: CaseNumber) {
        let db = depot.database
        let c1 = try db.openCase(
            NewCase(
                customer: "C1", contact: "ann@c1.example", type: .hardwareFault, serial: "C1-UNIT", impact: .medium, urgency: .medium,
                title: "Ann reports a reboot; Annual Report Team and Contact 10 copied", description: "Ann (ann@c1.example) says so"),
            at: monday, actor: TestDepot.engineer)
        try db.advanceCase(
            c1, .wait, note: "waiting for Ann's logs, ask ann@c1.example.", at: monday.adding(seconds: 60), actor: TestDepot.engineer)
        try db.advanceCase(c1, .resume, at: monday.adding(seconds: 120), actor: TestDepot.engineer)
        _ = try db.diagnose(
            serial: "C1-UNIT", caseNumber: c1, verdict: .defective, note: "Ann's PSU is dead; Contact 1 agrees, Contact 10 does not",
            at: monday.adding(seconds: 180), actor: TestDepot.engineer)
        let c10 = try db.openCase(
            NewCase(
                customer: "C10", contact: "contact10@c10.example", type: .hardwareFault, serial: "C10-UNIT", impact: .medium,
                urgency: .medium,
                title: "Contact 10 and the Annual Report Team: Ann, Anna and Jo Ann see reboots",
                description: "Anna says Ann of One Ltd (ann@c1.example) has it too; joann@c1.example.org agrees"),
            at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(
            serial: "C10-UNIT", caseNumber: c10, verdict: .needsMoreInfo, note: "Ann and Contact 1 mentioned by Contact 10",
            at: monday.adding(seconds: 240), actor: TestDepot.engineer)
        try db.advanceCase(c10, .close, confirmedBy: "anna@c10.example", at: monday.adding(seconds: 300), actor: TestDepot.engineer)
        return (c1, c10)
    }

    @Test(
        "erasing C1's contacts (Contact 1, Ann) changes nothing of C10, whose Contact 10, Annual Report Team, Anna and Jo Ann stay: its export is byte-for-byte the same"
    )
    func erasureTouchesOnlyItsCustomer() throws {
        let depot = try TestDepot.empty()
        try depot.importAll(Self.collidingFleet)
        let (c1, c10) = try prefixHistory(depot)
        let others = ["C10", "ALPHA", "BETA-CORP"]
        var before: [String: [String: String]] = [:]
        for customer in others { before[customer] = try exportEntries(depot, customer) }
        let erased = try depot.database.eraseContacts(of: "C1", contact: nil, at: monday, actor: TestDepot.admin)
        for customer in others {
            let after = try exportEntries(depot, customer)
            for (name, text) in after where before[customer]?[name] != text {
                Issue.record("\(customer): \(name) changed from \(before[customer]?[name] ?? "nothing") to \(text)")
            }
            #expect(after.keys.sorted() == before[customer]?.keys.sorted(), "\(customer)")
        }
        let other = try depot.database.caseDetail(c10, now: monday)
        #expect(other.title == "Contact 10 and the Annual Report Team: Ann, Anna and Jo Ann see reboots")
        #expect(other.description.contains("ann@c1.example") && other.description.contains("joann@c1.example.org"))
        // C1's own text: whole words only.
        let own = try depot.database.caseDetail(c1, now: monday)
        #expect(own.title == "Erased contact 2 reports a reboot; Annual Report Team and Contact 10 copied")
        #expect(own.description == "[erased]")
        #expect(own.timeline.contains { $0.note == "waiting for Erased contact 2's logs, ask erased-contact-2@erased.invalid." })
        #expect(
            own.timeline.contains {
                ($0.note ?? "").contains("Erased contact 2's PSU is dead; Erased contact 1 agrees, Contact 10 does not")
            })
        // The answer says how many cells changed where; all of them C1's.
        #expect(erased.cellsRewritten == erased.changes.reduce(0) { $0 + $1.cells } && erased.cellsRewritten > 0)
        #expect(erased.changes.contains { $0.table == "support_case" && $0.column == "title" && $0.cells == 1 })
        #expect(erased.changes.contains { $0.table == "case_event" })
        let names = try depot.database.read { db in try db.values(String.self, "SELECT name FROM contact ORDER BY id") }
        #expect(
            names == [
                "Erased contact 1", "Erased contact 2", "Contact 10", "Annual Report Team", "Anna", "Jo Ann", "Alpha Ops", "Beta Ops",
            ])
    }

    @Test("keys shared by records of different kinds and customers never pull another customer's records into an export")
    func exportWithCollidingKeys() throws {
        let depot = try TestDepot.empty()
        try depot.importAll(Self.collidingFleet)
        let db = depot.database
        // BETA's unit B-2 (ALPHA has a site B-2) and ALPHA's unit K-C10 (C10 has a contract K-C10) get cases and notes.
        let beta = try db.openCase(
            NewCase(
                customer: "BETA-CORP", contact: "ops@beta.example", type: .hardwareFault, serial: "B-2", impact: .medium, urgency: .medium,
                title: "Beta's private trouble"), at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(
            serial: "B-2", caseNumber: beta, verdict: .defective, note: "SECRET-OF-BETA", at: monday.adding(seconds: 60),
            actor: TestDepot.engineer)
        let alpha = try db.openCase(
            NewCase(
                customer: "ALPHA", contact: "ops@alpha.example", type: .hardwareFault, serial: "K-C10", impact: .medium, urgency: .medium,
                title: "Alpha's trouble"), at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(
            serial: "K-C10", caseNumber: alpha, verdict: .needsMoreInfo, note: "SECRET-OF-ALPHA", at: monday.adding(seconds: 60),
            actor: TestDepot.engineer)
        let betaRMA = try #require(try db.caseDetail(beta, now: monday).rmas.first)
        let alphaExport = try exportEntries(depot, "ALPHA").values.joined(separator: "\n")
        #expect(alphaExport.contains("SECRET-OF-ALPHA"))
        for foreign in ["SECRET-OF-BETA", "BETA-CORP", "ops@beta.example", beta.text, betaRMA.text, "Beta's private trouble"] {
            #expect(!alphaExport.contains(foreign), "\(foreign)")
        }
        let c10Export = try exportEntries(depot, "C10").values.joined(separator: "\n")
        for foreign in ["SECRET-OF-ALPHA", "SECRET-OF-BETA", alpha.text, beta.text, "ops@alpha.example"] {
            #expect(!c10Export.contains(foreign), "\(foreign)")
        }
        let betaExport = try exportEntries(depot, "BETA-CORP").values.joined(separator: "\n")
        #expect(
            betaExport.contains("SECRET-OF-BETA") && !betaExport.contains("SECRET-OF-ALPHA") && !betaExport.contains("ops@alpha.example"))
    }

    @Test("every text column of the schema is either searched by erasure or known to hold no personal data")
    func erasureKnowsEveryTextColumn() throws {
        let depot = try TestDepot.empty()
        let columns = try depot.outside { db in try db.textColumns().map { "\($0.table).\($0.column)" } }
        let known = Set(DepotDatabase.erasureColumns)
        #expect(columns.filter { !known.contains($0) } == [])
    }

    /// How many text cells of the whole database hold any of `needles` (every column of every table, case-insensitive).
    func occurrences(_ depot: TestDepot, of needles: [String]) throws -> Int {
        return try depot.outside { db in
            var count = 0
            for (table, columns) in try db.tableColumns() {
                for column in columns {
                    for needle in needles {
                        let holds = db.dialect.contains("lower(CAST(\"\(column)\" AS TEXT))", "lower(?)")
                        count += try db.value(Int.self, "SELECT count(*) FROM \"\(table)\" WHERE \(holds)", [needle]) ?? 0
                    }
                }
            }
            return count
        }
    }
}
