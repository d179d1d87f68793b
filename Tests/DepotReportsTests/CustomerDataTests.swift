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
    func history(_ depot: TestDepot) throws -> (rmaCase: String, closed: String, other: String) {
        let db = depot.database
        let rmaCase = try db.openCase(
            NewCase(customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                    title: "Dan Dev reports a dead unit", description: "Dan Dev (dev@acme.example) says the PSU clicks"),
            at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(serial: "ACME-1", caseNumber: rmaCase, verdict: .defective, note: "PSU dead", at: monday, actor: TestDepot.engineer)
        let upload = try db.beginUpload()
        try upload.append(Array("psu log".utf8))
        _ = try db.attach(upload, to: rmaCase, name: "psu.log", mediaType: "text/plain", secure: false, at: monday, actor: TestDepot.engineer)
        let closed = try db.openCase(
            NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .low, urgency: .low, title: "Question from Olga Ops",
                    description: "How do I reset? -- Olga"),
            at: monday, actor: TestDepot.engineer)
        try db.advanceCase(closed, .close, confirmedBy: "ops@acme.example", at: monday.adding(seconds: 3600), actor: TestDepot.engineer)
        let other = try db.openCase(
            NewCase(customer: "GLOBEX", contact: "it@globex.example", type: .question, impact: .low, urgency: .low, title: "Globex question"),
            at: monday, actor: TestDepot.engineer)
        return (rmaCase, closed, other)
    }

    @Test("the export ZIP, read back with Python's zipfile, holds the customer's rows as JSON and CSV, its attachments and a true manifest; nothing of others")
    func export() throws {
        let depot = try TestDepot.withFleet()
        let (rmaCase, closed, other) = try history(depot)
        let zip = depot.folder.path + "/acme.zip"
        let export = try depot.database.exportCustomer("ACME", to: zip, at: monday, actor: TestDepot.admin)
        #expect(throws: DepotError.self) { try depot.database.exportCustomer("ACME", to: zip, at: monday, actor: TestDepot.accountManager) }
        let read = try python("""
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
        #expect(answer["cases"] as? [String] == [rmaCase, closed])
        // Checked against the database: its cases, contacts and RMAs of ACME, and the manifest's row counts.
        let databaseCases = try depot.database.cases(CaseFilter(customer: "ACME"), now: monday).map(\.number).sorted()
        let databaseRMAs = try depot.database.rmas(RMAFilter(customer: "ACME"), now: monday).map(\.number)
        #expect(answer["cases"] as? [String] == databaseCases && answer["rmas"] as? [String] == databaseRMAs)
        #expect(export.files.first { $0.path == "cases.json" }?.rows == 2 && export.files.first { $0.path == "contacts.csv" }?.rows == 2)
        #expect(answer["contacts"] as? [String] == ["dev@acme.example", "ops@acme.example"])
        #expect(answer["rmas"] as? [String] == ["RMA-2026-000001"])
        #expect((answer["units"] as? [String])?.contains("ACME-1") == true)
        #expect((answer["auditKeys"] as? [String]).map { Set($0).isSuperset(of: [rmaCase, closed, "RMA-2026-000001", "ACME-1"]) } == true)
        #expect((answer["auditKeys"] as? [String])?.contains(other) == false)
        #expect(answer["timelineCases"] as? [String] == [rmaCase, closed])
        #expect(answer["attachment"] as? String == "psu log")
        #expect(answer["manifestFiles"] as? Int == export.files.count)
        let names = answer["names"] as? [String] ?? []
        for table in ["customer", "sites", "contracts", "contacts", "units", "cases", "case-timelines", "rmas", "rma-history", "audit"] {
            #expect(names.contains("ACME/\(table).json") && names.contains("ACME/\(table).csv"), "\(table)")
        }
        #expect(try depot.database.auditEntries(entity: "customer", key: "ACME", user: nil, limit: 5).contains { $0.action == "export" })
    }

    @Test("after erasing ACME's contacts no name or address of theirs is in any text column, the pseudonyms are stable, and every report is byte-for-byte the same")
    func erase() throws {
        let depot = try TestDepot.withFleet()
        let (rmaCase, _, _) = try history(depot)
        _ = try depot.database.escalate(at: instant("2026-12-31T00:00:00Z"), actor: .system)
        func reports() throws -> [String: [[String]]] {
            var all: [String: [[String]]] = [:]
            for report in ReportCatalog.all {
                let table = try depot.database.table(report, parameters: ReportParameters(asOf: LocalDate(iso: "2026-12-31")!), limit: 100_000)
                all[report.name] = [table.columns] + table.rows
            }
            return all
        }
        let before = try reports()
        let personal = ["ops@acme.example", "Olga Ops", "dev@acme.example", "Dan Dev"]
        #expect(try occurrences(depot, of: personal) > 0)  // the test data does hold them

        #expect(throws: DepotError.self) { try depot.database.eraseContacts(of: "ACME", contact: nil, at: monday, actor: TestDepot.engineer) }
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
        let write = try DatabaseQueue(path: depot.folder.path + "/depot.sqlite")
        #expect(throws: (any Error).self) { try write.write { try $0.execute(sql: "UPDATE audit SET reason = 'x'") } }
        #expect(try depot.database.auditEntries(entity: "customer", key: "ACME", user: nil, limit: 5).contains { $0.action == "erase-contacts" })
        // One contact only.
        #expect(throws: DepotError.notFound(kind: "contact of GLOBEX", key: "nobody@globex.example")) {
            try depot.database.eraseContacts(of: "GLOBEX", contact: "nobody@globex.example", at: monday, actor: TestDepot.admin)
        }
    }

    /// How many text cells of the whole database hold any of `needles` (every column of every table, case-insensitive).
    func occurrences(_ depot: TestDepot, of needles: [String]) throws -> Int {
        let db = try DatabaseQueue(path: depot.folder.path + "/depot.sqlite")
        return try db.read { db in
            var count = 0
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                for column in try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]) {
                    for needle in needles {
                        count += try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\" WHERE instr(lower(CAST(\"\(column)\" AS TEXT)), lower(?)) > 0",
                                                  arguments: [needle]) ?? 0
                    }
                }
            }
            return count
        }
    }
}
