import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

/// The commands on a PostgreSQL database (`--database URL` / `$DEPOT_DATABASE`), when the suite runs on one.
@Suite("depot with a PostgreSQL database", .enabled(if: TestBackend.isPostgres))
struct PostgresCommandTests {
    /// A fresh empty database on the test server, and its URL.
    static func freshDatabase() throws -> String {
        let server = try #require(TestBackend.postgres)
        let location = try server.createDatabase("depot_cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        var url = try #require(URLComponents(string: ProcessInfo.processInfo.environment["DEPOT_TEST_DATABASE"] ?? ""))
        url.path = "/" + location.database
        return try #require(url.string)
    }

    @Test("init makes the schema and the one key file; migrate, imports, cases, webhooks and attachments work through --database")
    func lifecycle() throws {
        let url = try Self.freshDatabase()
        let folder = TemporaryFolder()
        let key = folder.path + "/webhooks.key"
        let made = try Depot.json(["init", "--database", url, "--key-file", key, "--format", "json"])
        #expect(made["created"] as? String == "yes" && made["schema"] as? String == "v16-session-tokens-attachment-ids")
        #expect((made["keyFile"] as? String)?.hasSuffix("(created)") == true)
        let keyBytes = try Data(contentsOf: URL(fileURLWithPath: key))
        #expect(keyBytes.count == 32)
        // A second init (a second server's deploy) changes nothing and keeps the key.
        let again = try Depot.json(["init", "--database", url, "--key-file", key, "--format", "json"])
        #expect(again["created"] as? String == "no" && (again["keyFile"] as? String)?.hasSuffix("(present)") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == keyBytes)
        let migrated = try Depot.json(["migrate", "--database", url, "--format", "json"])
        #expect((migrated["applied"] as? [String]) == [])

        for (entity, text) in Fleet.files {
            let file = folder.write("\(entity.rawValue).csv", text)
            let r = try Depot.run(["import", entity.rawValue, file, "--database", url])
            #expect(r.status == 0, "\(entity): \(r.stderr)")
        }
        // $DEPOT_DATABASE names the database as --database does.
        let environment = ["DEPOT_DATABASE": url, "DEPOT_KEY_FILE": key]
        let opened = try Depot.run(
            [
                "case", "open", "--customer", "ACME", "--contact", "dev@acme.example", "--type", "hardware-fault", "--serial", "ACME-1",
                "--impact", "high", "--urgency", "medium", "--title", "No boot",
            ], environment: environment)
        #expect(opened.status == 0 && opened.stdout.contains("CS-"), "\(opened.stderr)")
        // A server never makes a key of its own: without the key file a secret cannot be sealed.
        let keyless = try Depot.run(
            ["notify", "endpoint", "add", "logistics", "https://hooks.example/x", "--secret", "-", "--database", url],
            stdin: "whsec_postgres_cli_secret\n")
        #expect(keyless.status != 0 && keyless.stderr.contains("key file"), "\(keyless.stderr)")
        let keyed = try Depot.run(
            ["notify", "endpoint", "add", "logistics", "https://hooks.example/x", "--secret", "-"], stdin: "whsec_postgres_cli_secret\n",
            environment: environment)
        #expect(keyed.status == 0, "\(keyed.stderr)")
        // An attachment goes into the database and comes back byte for byte.
        let content = String(repeating: "kernel: panic at 0xdeadbeef\n", count: 50_000)
        let file = folder.write("syslog.txt", content)
        let attached = try Depot.json(["case", "attach", "CS-2026-000001", file, "--database", url, "--format", "json"])
        let id = try #require(attached["id"] as? Int)
        let back = folder.path + "/back.txt"
        #expect(try Depot.run(["case", "attachment", "get", String(id), "--output", back], environment: environment).status == 0)
        #expect(try String(contentsOfFile: back, encoding: .utf8) == content)
        let checked = try Depot.json(["check", "--database", url, "--format", "json"])
        #expect((checked["integrity"] as? [String]) == ["ok"] && (checked["tallyDifferences"] as? [String]) == [])
    }

    @Test("a bad URL, both --db and --database, or an empty database are refused with one clear message")
    func refusals() throws {
        let bad = try Depot.run(["case", "list", "--database", "postgres://localhost/"])
        #expect(bad.status != 0 && bad.stderr.contains("--database") && bad.stderr.contains("names no"), "\(bad.stderr)")
        let both = try Depot.run(["case", "list", "--database", "postgres://u@localhost/x", "--db", "x.sqlite"])
        #expect(both.status != 0 && both.stderr.contains("not both"), "\(both.stderr)")
        let empty = try Self.freshDatabase()
        let notYet = try Depot.run(["case", "list", "--database", empty])
        #expect(notYet.status != 0 && notYet.stderr.contains("depot init --database"), "\(notYet.stderr)")
        let noMigrate = try Depot.run(["migrate", "--database", empty])
        #expect(noMigrate.status != 0 && noMigrate.stderr.contains("depot init --database"), "\(noMigrate.stderr)")
    }

    @Test(
        "an installation that never made a key copies with --key-file (a new key made); one with open survey links needs its key; a demo makes its key file"
    )
    func keysWhereNoneWas() throws {
        let folder = TemporaryFolder()
        let file = folder.path + "/fresh.sqlite"
        #expect(try Depot.run(["init", "--db", file]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: file + ".key"))
        // The demo's closed cases invited their contacts with links signed by its key: a copy needs that key.
        let surveyed = folder.path + "/surveyed.sqlite"
        #expect(try Depot.run(["demo", "--db", surveyed, "--appliances", "60"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: surveyed + ".key"))
        let keyless = try Depot.run(["copy", "--from", surveyed, "--to", try Self.freshDatabase()])
        #expect(keyless.status != 0 && keyless.stderr.contains("survey link"), "\(keyless.stderr)")
        let key = folder.path + "/servers.key"
        let copied = try Depot.run(["copy", "--from", file, "--to", try Self.freshDatabase(), "--key-file", key])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: key)))?.isEmpty == false)
        let demoKey = folder.path + "/demo.key"
        let demo = try Depot.run(["demo", "--database", try Self.freshDatabase(), "--appliances", "60", "--key-file", demoKey])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: demoKey)))?.isEmpty == false)
    }

    @Test("depot copy moves a whole SQLite installation; every report and listing then reads byte for byte the same on both")
    func copyInstallation() throws {
        let folder = TemporaryFolder()
        let file = folder.path + "/depot.sqlite"
        let demo = try Depot.run(["demo", "--db", file, "--appliances", "400", "--at", "2026-11-23T15:00:00Z"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let endpoint = try Depot.run(
            ["notify", "endpoint", "add", "logistics", "https://hooks.example/x", "--secret", "-", "--db", file],
            stdin: "whsec_copied_endpoint_secret\n")
        #expect(endpoint.status == 0, "\(endpoint.stderr)")
        let log = folder.write("syslog.txt", String(repeating: "kernel: oops\n", count: 200_000))
        let listed = try Depot.run(["case", "list", "--open", "--format", "csv", "--db", file])
        let caseNumber = try #require(
            listed.stdout.split(whereSeparator: \.isNewline).dropFirst().first?.split(separator: ",").first.map(String.init), "\(listed)")
        #expect(try Depot.run(["case", "attach", caseNumber, log, "--db", file]).status == 0)

        let url = try Self.freshDatabase()
        // Without a place for the webhook key the copy refuses, and writes nothing.
        let keyless = try Depot.run(["copy", "--from", file, "--to", url])
        #expect(keyless.status != 0 && keyless.stderr.contains("--key-file"), "\(keyless.stderr)")
        let key = folder.path + "/servers.key"
        let copied = try Depot.json(["copy", "--from", file, "--to", url, "--key-file", key, "--format", "json"])
        let tables = try #require(copied["tables"] as? [[String: Any]])
        #expect(tables.count >= 20 && copied["attachmentContents"] as? Int == 1)
        #expect(tables.first { $0["name"] as? String == "appliance" }?["rows"] as? Int ?? 0 >= 400)
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == (try Data(contentsOf: URL(fileURLWithPath: file + ".key"))))
        // A second copy into the now full database is refused.
        let again = try Depot.run(["copy", "--from", file, "--to", url, "--key-file", key])
        #expect(again.status != 0 && again.stderr.contains("already holds data"), "\(again.stderr)")

        // The same questions, the same answers, byte for byte.
        let reports = [
            "warranty-expiry", "shipping-queue", "overdue-returns", "contract-renewals", "sla-compliance", "escalations", "failure-rates",
            "unsupported-versions", "sales-referrals", "spare-stock",
        ]
        for report in reports {
            let sqlite = try Depot.run(["report", report, "--as-of", "2026-11-23", "--db", file])
            let postgres = try Depot.run(["report", report, "--as-of", "2026-11-23", "--database", url, "--key-file", key])
            #expect(sqlite.status == 0 && postgres.status == 0 && sqlite.stdout == postgres.stdout, "\(report): \(postgres.stderr)")
        }
        let at = ["--at", "2026-11-23T15:00:00Z"]
        for listing in [
            ["case", "list"] + at, ["rma", "list"] + at, ["notify", "list"], ["notify", "endpoint", "list"],
            ["audit", "--limit", "100000"],
        ] {
            let sqlite = try Depot.run(listing + ["--format", "json", "--db", file])
            let postgres = try Depot.run(listing + ["--format", "json", "--database", url, "--key-file", key])
            #expect(sqlite.status == 0 && sqlite.stdout == postgres.stdout, "\(listing): \(postgres.stderr)")
        }
        let back = folder.path + "/back.txt"
        let attachments = try Depot.run(["case", "attachments", caseNumber, "--format", "json", "--database", url])
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(attachments.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? Int)
        #expect(try Depot.run(["case", "attachment", "get", String(id), "--output", back, "--database", url]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == (try Data(contentsOf: URL(fileURLWithPath: log))))
        // New records continue after the copied ids.
        let opened = try Depot.run(
            [
                "case", "open", "--customer", "C100", "--contact", "ops@acme.example", "--type", "question", "--impact", "low",
                "--urgency", "low", "--title", "After the move", "--database", url,
            ])
        #expect(opened.status == 0 && opened.stdout.contains("CS-2026-000053"), "\(opened.stdout) \(opened.stderr)")
        let check = try Depot.json(["check", "--database", url, "--format", "json"])
        #expect((check["tallyDifferences"] as? [String]) == [])
    }
}
