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
        #expect(made["created"] as? String == "yes" && made["schema"] as? String == "v11-shared-servers")
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
}
