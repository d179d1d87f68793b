import DepotCore
import DepotTestSupport
import Foundation
import Testing

/// A database file made by `depot init` and filled with `Fleet` through `depot import`.
private struct CommandFleet {
    let folder = TemporaryFolder()
    var db: String { folder.path + "/fleet.sqlite" }

    init(importing: Bool = true) throws {
        let made = try Depot.run(["init", "--db", db])
        #expect(made.status == 0, "\(made.stderr)")
        guard importing else { return }
        for (entity, text) in Fleet.files {
            let file = folder.write("\(entity.rawValue).csv", text)
            let r = try Depot.run(["import", entity.rawValue, file, "--db", db, "--format", "json"])
            #expect(r.status == 0, "\(entity): \(r.stderr)")
        }
    }

    func run(_ arguments: [String]) throws -> Depot.Result { try Depot.run(arguments + ["--db", db]) }
    func json(_ arguments: [String]) throws -> [String: Any] { try Depot.json(arguments + ["--db", db, "--format", "json"]) }

    /// Runs one SQL statement on the file from outside Depot (Python's sqlite3, as an operator's script would).
    func sql(_ statement: String) throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", db, statement,
        ]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(statement)")
    }
}

@Suite("depot with a database")
struct StoreCommandTests {
    @Test("a command on a missing database refuses with a clear message; DEPOT_DB names the database")
    func missingDatabase() throws {
        let folder = TemporaryFolder()
        let r = try Depot.run(["case", "list", "--db", folder.path + "/none.sqlite"])
        #expect(r.status == 66 && r.stdout.isEmpty)
        #expect(
            r.stderr
                == "error: no Depot database at \(folder.path)/none.sqlite; create one with `depot init --db \(folder.path)/none.sqlite`\n")
        #expect(try Depot.run(["init"], environment: ["DEPOT_DB": folder.path + "/env.sqlite"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/env.sqlite"))
        #expect(try Depot.run(["audit"], environment: ["DEPOT_DB": folder.path + "/env.sqlite"]).status == 0)
    }

    @Test("a database from a newer Depot is refused")
    func newerSchema() throws {
        let fleet = try CommandFleet(importing: false)
        try fleet.sql("INSERT INTO grdb_migrations VALUES ('v99-future')")
        let r = try fleet.run(["case", "list"])
        #expect(r.status == 69 && r.stderr.contains("written by a newer Depot (unknown schema migrations: v99-future)"))
    }

    @Test("import reports counts; a bad file is refused with every bad row and changes nothing")
    func importCounts() throws {
        let fleet = try CommandFleet()
        let again = try fleet.json(["import", "appliances", fleet.folder.write("a.csv", Fleet.appliances)])
        #expect(again["added"] as? Int == 0 && again["unchanged"] as? Int == 8)
        let bad = fleet.folder.write(
            "bad.csv", "serial,model,site,ship_date\nN-1,DX-100,ACME-NYC,2026-01-01\nN-2,NOPE,ACME-NYC,2026-13-01\n")
        let r = try fleet.run(["import", "appliances", bad])
        #expect(r.status == 65 && r.stdout.isEmpty)
        #expect(
            r.stderr == """
                error: \(bad): nothing imported, 2 bad rows:
                  line 3, model: unknown model "NOPE"
                  line 3, ship_date: "2026-13-01" is not a date (YYYY-MM-DD)

                """)
        #expect(try fleet.run(["unit", "show", "N-1"]).status == 66)
    }

    @Test("the workflow from the command line, with the JSON contract keys")
    func workflowJSON() throws {
        let fleet = try CommandFleet()
        let opened = try fleet.json([
            "case", "open", "--customer", "ACME", "--contact", "dev@acme.example", "--type", "hardware-fault",
            "--serial", "ACME-1", "--impact", "high", "--urgency", "medium", "--title", "No boot",
            "--at", "2026-11-23T10:00:00-05:00", "--as", "sam",
        ])
        #expect(opened as NSDictionary == ["case": "CS-2026-000001"])
        let shown = try fleet.json(["case", "show", "CS-2026-000001", "--at", "2026-11-23T16:00:00Z"])
        #expect(shown["priority"] as? String == "P2" && shown["status"] as? String == "open")
        #expect(shown["responseDue"] as? String == "2026-11-23T17:00:00Z" && shown["slaState"] as? String == "pending")
        let escalations = shown["escalations"] as? [[String: Any]] ?? []
        #expect(escalations.map { $0["target"] as? String } == ["tam", "leadership"])
        #expect(escalations.first?["at"] as? String == "2026-11-24T15:00:00Z" && escalations.first?["fired"] as? Bool == false)

        let verdict = try fleet.json([
            "diagnose", "ACME-1", "--case", "CS-2026-000001", "--verdict", "defective", "--note", "PSU dead",
            "--at", "2026-11-23T15:30:00Z",
        ])
        #expect(verdict["verdict"] as? String == "defective" && verdict["rma"] as? String == "RMA-2026-000001")
        #expect(verdict["path"] as? String == "advance-replacement" && verdict["shipBy"] as? String == "2026-11-24T15:30:00Z")

        let refused = try fleet.run(["rma", "receive", "RMA-2026-000001", "--at", "2026-11-23T16:00:00Z"])
        #expect(refused.status == 65 && refused.stdout.isEmpty)
        #expect(refused.stderr == "error: RMA-2026-000001 is approved: cannot receive; allowed next: allocate, cancel\n")

        for step in [["allocate"], ["ship", "--carrier", "UPS", "--tracking", "1Z"], ["deliver"]] {
            let r = try fleet.run(["rma"] + [step[0], "RMA-2026-000001"] + step.dropFirst() + ["--at", "2026-11-24T12:00:00Z"])
            #expect(r.status == 0, "\(step): \(r.stderr)")
        }
        let rma = try fleet.json(["rma", "show", "RMA-2026-000001", "--at", "2026-11-24T12:00:00Z"])
        #expect(rma["rma"] as? String == "RMA-2026-000001" && rma["path"] as? String == "advance-replacement")
        #expect(rma["state"] as? String == "delivered" && rma["serial"] as? String == "ACME-1")
        #expect(rma["replacementSerial"] as? String == "SPARE-US-1" && rma["shipBy"] as? String == "2026-11-24T15:30:00Z")
        #expect(rma["returnDue"] is String && rma["overdue"] as? Bool == false)

        let fired = try fleet.run(["escalate", "--at", "2026-11-24T15:00:00Z", "--format", "json"])
        #expect(fired.status == 0 && fired.stdout.contains("\"target\" : \"tam\""))
        let audit = try fleet.run(["audit", "--entity", "case", "--format", "csv"])
        #expect(audit.stdout.contains(",sam,admin,open,case,CS-2026-000001,"))
    }

    @Test("assign, take, priority and escalate from the command line, with their JSON; the owner's queue")
    func ownership() throws {
        let fleet = try CommandFleet()
        #expect(try fleet.run(["user", "add", "alice", "--role", "support-engineer"]).status == 0)
        let opened = try fleet.json([
            "case", "open", "--customer", "ACME", "--contact", "ops@acme.example", "--type", "question", "--impact", "medium",
            "--urgency", "medium", "--title", "Slow UI", "--at", "2026-11-23T15:00:00Z",
        ])
        let number = try #require(opened["case"] as? String)
        let taken = try fleet.json(["case", "take", number, "--as", "alice", "--at", "2026-11-23T15:10:00Z"])
        #expect(taken as NSDictionary == ["case": number, "owner": "alice", "was": NSNull(), "changed": true])
        let unknown = try fleet.run(["case", "assign", number, "--to", "nobody-here", "--at", "2026-11-23T15:11:00Z"])
        #expect(unknown.status != 0 && unknown.stderr.contains("nobody-here"))
        let changed = try fleet.json([
            "case", "priority", number, "--to", "P1", "--reason", "production down", "--at", "2026-11-23T15:20:00Z",
        ])
        // ACME is premium-plus: a P1 is due 1 hour after the opening.
        #expect(changed["was"] as? String == "P3" && changed["priority"] as? String == "P1")
        #expect((changed["deadlines"] as? [[String: Any]])?.first?["now"] as? String == "2026-11-23T16:00:00Z")
        let asked = try fleet.json([
            "case", "escalate", number, "--requested-by", "ops@acme.example", "--reason", "the CFO called", "--at", "2026-11-23T15:30:00Z",
        ])
        #expect(asked["requestedBy"] as? String == "ops@acme.example" && asked["reason"] as? String == "the CFO called")
        let queue = try Depot.run(["case", "list", "--owner", "alice", "--format", "json", "--db", fleet.db])
        let rows = try JSONSerialization.jsonObject(with: Data(queue.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["case"] as? String } == [number] && rows.first?["owner"] as? String == "alice")
        let shown = try fleet.json(["case", "show", number])
        #expect(shown["owner"] as? String == "alice" && shown["afterHours"] as? Bool == false)
        #expect(shown["unsupportedVersion"] as? Bool == false)
        for command in ["assign", "take", "priority", "escalate"] {
            #expect(try Depot.run(["case", command, "--help"]).stdout.contains("USAGE: depot case \(command)"))
        }
    }

    @Test("depot customer pin prints the PIN once as JSON; case open --pin; depot sla --with-pin and --without-pin")
    func afterHours() throws {
        let fleet = try CommandFleet()
        let made = try fleet.json(["customer", "pin", "INITECH", "--at", "2026-11-23T12:00:00Z"])
        let pin = try #require(made["pin"] as? String)
        #expect(made["customer"] as? String == "INITECH" && pin.count == 8 && Set(made.keys) == ["customer", "pin"])
        let again = try fleet.run(["customer", "pin", "INITECH"])
        #expect(again.status != 0 && again.stderr.contains("has an after-hours PIN already; rotate it"))
        let rotated = try fleet.json(["customer", "pin", "INITECH", "--rotate"])
        let newPIN = try #require(rotated["pin"] as? String)
        // 02:00 on Tuesday in Sydney: the old PIN is wrong now, the new one right.
        let base = [
            "case", "open", "--customer", "INITECH", "--contact", "it@initech.example", "--type", "question", "--impact", "high",
            "--urgency", "high", "--title", "Down", "--at", "2026-11-23T15:00:00Z",
        ]
        let wrong = try fleet.json(base + ["--pin", pin])
        #expect((wrong["clockNote"] as? String)?.contains("wrong PIN") == true)
        let right = try fleet.json(base + ["--pin", newPIN])
        #expect((right["clockNote"] as? String)?.contains("with the customer's PIN") == true)
        let shown = try fleet.json(["case", "show", try #require(right["case"] as? String), "--at", "2026-11-23T15:00:00Z"])
        #expect(shown["afterHours"] as? Bool == true && shown["responseDue"] as? String == "2026-11-23T16:00:00Z")
        // depot sla: a premium P2 at 02:00 on a Sunday in New York.
        let sla = ["sla", "--tier", "premium", "--priority", "P2", "--region", "americas", "--opened", "2026-11-29T02:00:00-05:00"]
        let plain = try Depot.json(sla + ["--format", "json"])
        #expect(plain["response"] as? String == "2026-11-30T15:00:00Z" && plain["clock"] is NSNull)
        let withPIN = try Depot.json(sla + ["--with-pin", "--format", "json"])
        #expect(withPIN["response"] as? String == "2026-11-29T09:00:00Z" && withPIN["responseThreshold"] as? String == "2 hours")
        let withoutPIN = try Depot.json(sla + ["--without-pin", "--format", "json"])
        #expect(
            withoutPIN["clocksFrom"] as? String == "2026-11-30T13:00:00Z" && withoutPIN["response"] as? String == "2026-11-30T15:00:00Z")
        #expect((withoutPIN["clock"] as? String)?.contains("without the customer's PIN") == true)
        #expect(try Depot.run(["customer", "pin", "--help"]).stdout.contains("USAGE: depot customer pin"))
    }

    @Test("P1 from a contact who is not designated is refused and prints nothing")
    func p1Refused() throws {
        let fleet = try CommandFleet()
        let r = try fleet.run([
            "case", "open", "--customer", "ACME", "--contact", "dev@acme.example", "--type", "hardware-fault",
            "--serial", "ACME-1", "--impact", "high", "--urgency", "high", "--title", "Down", "--format", "json",
        ])
        #expect(r.status == 65 && r.stdout.isEmpty && r.stderr.contains("dev@acme.example is not a designated contact"))
    }

    @Test("the demo fleet has RMAs in every state")
    func demo() throws {
        let folder = TemporaryFolder()
        let db = folder.path + "/demo.sqlite"
        let made = try Depot.run(["demo", "--db", db, "--appliances", "120", "--at", "2026-11-23T12:00:00Z"])
        #expect(made.status == 0, "\(made.stderr)")
        let list = try Depot.run(["rma", "list", "--db", db, "--format", "json", "--at", "2026-11-23T12:00:00Z"])
        let rmas = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let states = Set(rmas.compactMap { $0["state"] as? String })
        #expect(states == Set(RMAState.allCases.map(\.rawValue)))
        #expect(try Depot.run(["demo", "--db", db]).status == 65)  // never mixes with existing data
    }

    @Test("a killed import leaves the database consistent and re-runnable; concurrent commands wait, never fail")
    func killAndConcurrency() async throws {
        let fleet = try CommandFleet()
        let header = "serial,model,customer,site,depot,ship_date,software_version,status\n"
        let rows = (0..<30_000).map { "K\($0),DX-100,ACME,ACME-NYC,,2026-01-01,5.1,\n" }.joined()
        let big = fleet.folder.write("big.csv", header + rows)
        // The import reads from a pipe that never ends, so it is surely killed in the middle of its transaction.
        signal(SIGPIPE, SIG_IGN)
        let fifo = fleet.folder.path + "/stream.csv"
        #expect(mkfifo(fifo, 0o600) == 0)
        let process = Process()
        process.executableURL = Depot.binary
        process.arguments = ["import", "appliances", fifo, "--db", fleet.db]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = try #require(FileHandle(forWritingAtPath: fifo))
        writer.write(Data((header + rows).utf8))  // returns once the importer has read all but a pipe's worth
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try writer.close()
        let check = try Depot.run(["unit", "show", "ACME-1", "--db", fleet.db])
        #expect(check.status == 0)
        let integrity = Process()
        integrity.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let pipe = Pipe()
        integrity.standardOutput = pipe
        integrity.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA integrity_check').fetchone()[0], c.execute('SELECT count(*) FROM appliance').fetchone()[0], len(c.execute('PRAGMA foreign_key_check').fetchall()))",
            fleet.db,
        ]
        try integrity.run()
        integrity.waitUntilExit()
        let answer = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
        #expect(answer.first == "ok")
        #expect(answer.count == 3 && answer[1] == "8" && answer[2].hasPrefix("0"), "integrity, rows, foreign-key problems: \(answer)")

        // Two imports, an escalation run and a case, all at once: each waits for the others.
        let db = fleet.db
        let files = (1...2).map { n in
            fleet.folder.write(
                "part\(n).csv", header + (0..<15_000).map { "P\(n)-\($0),DX-200,GLOBEX,GLOBEX-LON,,2026-02-01,5.0,\n" }.joined())
        }
        let results = try await withThrowingTaskGroup(of: (String, Int32, String).self) { group in
            for file in files {
                group.addTask {
                    let r = try Depot.run(["import", "appliances", file, "--db", db]); return (file, r.status, r.stderr)
                }
            }
            group.addTask {
                let r = try Depot.run(["escalate", "--db", db]); return ("escalate", r.status, r.stderr)
            }
            group.addTask {
                let r = try Depot.run([
                    "case", "open", "--customer", "GLOBEX", "--contact", "it@globex.example", "--type", "question",
                    "--impact", "low", "--urgency", "low", "--title", "Hello", "--db", db,
                ])
                return ("case", r.status, r.stderr)
            }
            return try await group.reduce(into: [(String, Int32, String)]()) { $0.append($1) }
        }
        for (name, status, stderr) in results { #expect(status == 0, "\(name): \(stderr)") }
        #expect(try Depot.run(["unit", "show", "P1-14999", "--db", db]).status == 0)
        #expect(try Depot.run(["unit", "show", "P2-14999", "--db", db]).status == 0)
        // The killed import runs again to the end.
        #expect(try Depot.run(["import", "appliances", big, "--db", db]).status == 0)
        #expect(try Depot.run(["unit", "show", "K29999", "--db", db]).status == 0)
    }
}

@Suite("depot report")
struct ReportCommandTests {
    @Test("report NAME writes CSV to standard output or, whole, to --output; all writes DIR/AS-OF/NAME.csv; bad filters are refused")
    func reports() throws {
        let folder = TemporaryFolder()
        let db = folder.path + "/demo.sqlite"
        #expect(try Depot.run(["demo", "--db", db, "--appliances", "60", "--at", "2026-11-23T12:00:00Z"]).status == 0)
        let out = try Depot.run(["report", "warranty-expiry", "--as-of", "2026-11-23", "--within-days", "365", "--db", db])
        #expect(
            out.status == 0
                && out.stdout.hasPrefix(
                    "customer,account_manager,site,serial,model,ship_date,warranty_end,days_left,contract_tier,contract_end\r\n")
        )
        let file = folder.path + "/we.csv"
        let written = try Depot.run([
            "report", "warranty-expiry", "--as-of", "2026-11-23", "--within-days", "365", "--db", db, "--output", file,
        ])
        #expect(written.status == 0 && written.stdout.isEmpty)
        #expect(String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) == out.stdout)
        let all = try Depot.run(["report", "all", "--as-of", "2026-11-23", "--out-dir", folder.path + "/reports", "--db", db])
        #expect(all.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/reports/2026-11-23").sorted()
        #expect(
            files == [
                "contract-renewals.csv", "csat-responses.csv", "csat.csv", "escalations.csv", "failure-rates.csv", "overdue-returns.csv",
                "sales-referrals.csv", "shipping-queue.csv", "sla-compliance.csv", "spare-stock.csv", "unsupported-versions.csv",
                "warranty-expiry.csv",
            ])
        let refused = try Depot.run(["report", "spare-stock", "--customer", "C100", "--db", db])
        #expect(
            refused.status == 64 && refused.stdout.isEmpty
                && refused.stderr == "error: --customer \"C100\": the spare-stock report does not take it (it takes: --region)\n")
        let unknown = try Depot.run(["report", "nonsense", "--db", db])
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("error: report \"nonsense\": unknown report"))
        let list = try Depot.run(["report", "list", "--format", "json"])
        let names = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []).compactMap {
            $0["name"] as? String
        }
        #expect(names.count == 12 && names.first == "warranty-expiry" && names.last == "csat-responses")
    }

}

@Suite("depot notify")
struct NotifyCommandTests {
    @Test("depot notify endpoint add (secret from standard input), list without the secret, remove")
    func notifyEndpoints() throws {
        let fleet = try CommandFleet()
        let secret = "whsec_from_stdin_0123456789"
        let added = try Depot.run(
            [
                "notify", "endpoint", "add", "tam", "https://hooks.example/acme", "--secret", "-", "--customer", "ACME",
                "--format", "slack", "--db", fleet.db,
            ], stdin: secret + "\n")
        #expect(added.status == 0 && added.stdout == "endpoint 1: tam for ACME -> https://hooks.example/acme (slack)\n", "\(added.stderr)")
        let listed = try fleet.run(["notify", "endpoint", "list", "--format", "json"])
        #expect(listed.status == 0 && listed.stdout.contains("\"customer\" : \"ACME\"") && !listed.stdout.contains("whsec"))
        let bad = try fleet.run(["notify", "endpoint", "add", "logistics", "mailto:x@example.com", "--secret", secret])
        #expect(bad.status != 0 && bad.stdout.isEmpty && bad.stderr.contains("http:// or https://"))
        #expect(try fleet.run(["notify", "endpoint", "remove", "1"]).stdout == "endpoint 1 removed\n")
        #expect(try fleet.run(["notify", "endpoint", "remove", "1"]).status == 66)
    }

    /// A webhook receiver in Python: the first request hangs until `answer` exists in its folder, the others get 200;
    /// every request's Idempotency-Key is appended to `keys`, and to `acted` when answered 200.
    static let receiver = #"""
        import http.server, os, sys, threading, time
        folder = sys.argv[1]
        def watchdog():
            # Gone with its test: when the folder goes, or after two minutes at most.
            deadline = time.time() + 120
            while os.path.isdir(folder) and time.time() < deadline: time.sleep(0.2)
            os._exit(0)
        threading.Thread(target=watchdog, daemon=True).start()
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                with open(os.path.join(folder, "keys"), "a") as f: f.write(key + "\n")
                while not os.path.exists(os.path.join(folder, "answer")): time.sleep(0.05)
                with open(os.path.join(folder, "acted"), "a") as f: f.write(key + "\n")
                self.send_response(200); self.end_headers()
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(os.path.join(folder, "port.tmp"), "w") as f: f.write(str(server.server_address[1]))
        os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
        server.serve_forever()
        """#

    @Test("the worker killed while delivering: its claim holds for its lease, then the next run delivers it, acted on once")
    func killedWorker() throws {
        let fleet = try CommandFleet()
        let folder = fleet.folder.path
        let script = fleet.folder.write("receiver.py", Self.receiver)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, folder]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        defer {
            kill(python.processIdentifier, SIGKILL)
            python.waitUntilExit()
        }
        func read(_ name: String) -> String { (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "" }
        func wait(_ condition: () -> Bool) throws {
            for _ in 0..<200 where !condition() { Thread.sleep(forTimeInterval: 0.05) }
            #expect(condition())
        }
        try wait { !read("port").isEmpty }
        let added = try Depot.run(
            ["notify", "endpoint", "add", "logistics", "http://127.0.0.1:\(read("port"))/", "--secret", "-", "--db", fleet.db],
            stdin: "whsec_killed_worker_secret\n")
        #expect(added.status == 0, "\(added.stderr)")
        // The change commits its notification (rma-approved, for logistics); nobody has delivered it yet.
        #expect(
            try fleet.run([
                "case", "open", "--customer", "ACME", "--contact", "dev@acme.example", "--type", "hardware-fault",
                "--serial", "ACME-1", "--impact", "high", "--urgency", "medium", "--title", "No boot",
            ]).status == 0)
        #expect(
            try fleet.run(["diagnose", "ACME-1", "--case", "CS-2026-000001", "--verdict", "defective", "--note", "PSU dead"]).status == 0)

        // A worker starts delivering; the receiver holds the request; the worker is killed (SIGKILL) mid-delivery.
        let worker = Process()
        worker.executableURL = Depot.binary
        worker.arguments = ["notify", "deliver", "--timeout", "3", "--db", fleet.db]
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        try wait { !read("keys").isEmpty }
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        let listed = try fleet.run(["notify", "list", "--state", "pending", "--format", "json"])
        // (The imported designated contacts' welcome letters wait too: the contacts target has no endpoint here.)
        let pending = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? [])
            .filter { $0["event"] as? String != "contact-welcome" }
        #expect(pending.count == 1 && pending.first?["event"] as? String == "rma-approved" && pending.first?["attempts"] as? Int == 0)

        // The killed worker's claim holds for its lease (2 x 3 s timeout + 5 s): a run now does not send it a second time.
        let killedAt = Date()
        let early = try fleet.run(["notify", "deliver", "--once"])
        #expect(early.status == 0 && early.stdout.hasPrefix("delivered 0,") && read("keys").split(separator: "\n").count == 1)
        // The receiver answers again; once the lease ran out, the next run delivers it.
        _ = FileManager.default.createFile(atPath: folder + "/answer", contents: Data())
        Thread.sleep(until: killedAt.addingTimeInterval(11.5))
        let again = try fleet.run(["notify", "deliver", "--once"])
        #expect(again.status == 0 && again.stdout.hasPrefix("delivered 1,"), "\(again.stdout) \(again.stderr)")
        let keys = read("keys").split(separator: "\n")
        #expect(keys.count == 2 && Set(keys).count == 1, "the same Idempotency-Key on both attempts")
        try wait { read("acted").split(separator: "\n").count >= 1 }
        // The killed attempt's request is answered too once the receiver goes on: acted on per key, the receiver sees one key.
        #expect(Set(read("acted").split(separator: "\n")).count == 1)
    }
}

@Suite("depot check")
struct CheckCommandTests {
    @Test("check passes on a healthy database, names a drifted tally and exits 1, and --repair sets it to the recount")
    func check() throws {
        let fleet = try CommandFleet()
        let healthy = try fleet.run(["check"])
        #expect(healthy.status == 0 && healthy.stdout == "integrity: ok\ninvariants: all hold\ntallies: equal to a recount\n")
        try fleet.sql("UPDATE unit_tally SET units = units + 5 WHERE status = 'in-stock'")
        let drifted = try fleet.run(["check"])
        #expect(drifted.status == 1 && drifted.stdout.contains("from a recount (depot check --repair sets them to the recount)"))
        #expect(drifted.stdout.contains("unit_tally (customer_id, depot_id, status, model_id, units) holds"))
        let repaired = try fleet.run(["check", "--repair", "--as", "ops"])
        #expect(repaired.status == 0 && repaired.stdout.contains(", repaired"))
        #expect(try fleet.run(["check"]).status == 0)
        let audit = try fleet.run(["audit"])
        #expect(audit.stdout.contains("recount") && audit.stdout.contains("tallies"))
    }

    @Test("check names a broken fleet invariant (a change made past Depot) and exits 1; the tallies stay equal")
    func checkInvariants() throws {
        let fleet = try CommandFleet()
        try fleet.sql("UPDATE appliance SET status = 'in-transit' WHERE serial = 'SPARE-EU-1'")
        let broken = try fleet.run(["check"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("invariants: 2 broken\n"), "\(broken.stdout)")
        #expect(broken.stdout.contains("unit SPARE-EU-1 is in-transit but is the shipped replacement of 0 open RMAs (expected 1)"))
        #expect(broken.stdout.contains("tallies: equal to a recount"))
        let json = try fleet.run(["check", "--format", "json"])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.status == 1 && (decoded?["invariants"] as? [String])?.count == 2)
        try fleet.sql("UPDATE appliance SET status = 'in-stock' WHERE serial = 'SPARE-EU-1'")
        #expect(try fleet.run(["check"]).status == 0)
    }
}
