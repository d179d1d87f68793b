import DepotCore
import DepotTestSupport
import Foundation
import GRDB
import Testing

@testable import DepotStore

/// The schema's version on PostgreSQL, where servers of two builds share one database during a deploy.
@Suite("PostgreSQL schema versions", .enabled(if: TestBackend.isPostgres))
struct SchemaVersionTests {
    @Test("a newer schema marked compatible is run on; one that is not is refused naming its migrations; an older one until migrated")
    func versions() throws {
        let depot = try TestDepot.withFleet()
        let location = try #require(depot.database.postgresLocation)
        let policy = depot.database.policy
        // A later build's additive migration: this build keeps running.
        try depot.outside { db in
            try db.execute("INSERT INTO depot_migration (name, applied_at) VALUES ('v17-from-the-future', '2031-01-01T00:00:00Z')")
            try db.execute("UPDATE depot_schema SET version = 17, compatible_since = 16")
        }
        #expect(try DepotDatabase.open(postgres: location, policy: policy).schemaVersion().contains("v17-from-the-future"))
        // One that changes what this build relies on.
        _ = try depot.outside { db in try db.execute("UPDATE depot_schema SET compatible_since = 17") }
        #expect(throws: DepotError.databaseNewer(path: location.description, unknownMigrations: ["v17-from-the-future"])) {
            try DepotDatabase.open(postgres: location, policy: policy)
        }
        // The schema as an earlier build (v10) left it: refused until `depot migrate`, which adds v11 to v13 once.
        try depot.outside { db in
            try db.execute(
                "DELETE FROM depot_migration WHERE name IN ('v11-shared-servers', 'v12-case-version-support', 'v13-handbook-records', 'v14-sign-in-failures', 'v15-guess-kinds', 'v16-session-tokens-attachment-ids', 'v17-from-the-future')"
            )
            try db.execute("UPDATE depot_schema SET version = 10, compatible_since = 10")
            try db.execute("ALTER TABLE notification DROP COLUMN lease_token, DROP COLUMN leased_until")
            try db.execute("DROP TABLE background_run")
            try db.execute("DROP TABLE attachment_chunk")
            try db.execute("DROP TABLE idempotent_request")
            try db.execute("ALTER TABLE support_case DROP COLUMN unsupported_version")
            try db.execute("ALTER TABLE support_case DROP COLUMN owner, DROP COLUMN after_hours, DROP COLUMN clocks_from")
            try db.execute("ALTER TABLE customer DROP COLUMN pin_hash, DROP COLUMN pin_rotated_at")
            try db.execute("DROP TABLE pin_failure, customer_escalation, survey_invitation")
            try db.execute("DROP TABLE sign_in_failure")
            try db.execute("ALTER TABLE web_session ADD COLUMN csrf_token TEXT NOT NULL DEFAULT 'old'")
        }
        #expect {
            try DepotDatabase.open(postgres: location, policy: policy)
        } throws: { error in
            (error as? DepotError)?.message.contains("run depot migrate") == true
        }
        let (migrated, applied) = try DepotDatabase.migrate(postgres: location, policy: policy)
        #expect(
            applied == [
                "v11-shared-servers", "v12-case-version-support", "v13-handbook-records", "v14-sign-in-failures", "v15-guess-kinds",
                "v16-session-tokens-attachment-ids",
            ])
        #expect(try DepotDatabase.migrate(postgres: location, policy: policy).applied == [])
        #expect(try migrated.claimBackgroundRound("retention", at: depot.clock.now, interval: 60, server: "a"))
        #expect(try migrated.unitDetail("ACME-1").serial == "ACME-1")
    }
}

/// The servers' own database role on PostgreSQL.
@Suite("PostgreSQL application role", .enabled(if: TestBackend.isPostgres))
struct ApplicationRoleTests {
    @Test("a role granted by init/migrate --grant-to runs the workflows and adds to the audit log, but can never change or empty it")
    func grants() throws {
        let depot = try TestDepot.withFleet(now: Instant(iso: "2026-11-23T15:00:00Z")!)
        let location = try #require(depot.database.postgresLocation)
        let role = "depot_app_" + UUID().uuidString.prefix(8).lowercased()
        _ = try depot.outside { db in try db.execute("CREATE ROLE \(role) LOGIN") }
        #expect(throws: DepotError.self) { try depot.database.grantApplicationRole("bad role; DROP TABLE audit") }
        try depot.database.grantApplicationRole(role)
        let app = try DepotDatabase.open(
            postgres: PostgresLocation("postgres://\(role)@\(location.host):\(location.port)/\(location.database)?sslmode=disable"),
            policy: depot.database.policy, now: { depot.clock.now })
        let number = try app.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Opened by the servers' role"), at: depot.clock.now, actor: TestDepot.engineer)
        #expect(try app.auditEntries(entity: "case", key: number.text, user: nil, limit: 5).count == 1)
        for statement in [
            "SET LOCAL depot.erasing = 'on'; UPDATE audit SET \"user\" = 'someone else'",
            "SET LOCAL depot.erasing = 'on'; DELETE FROM audit",
            "TRUNCATE audit", "UPDATE depot_schema SET version = 99",
        ] {
            #expect(throws: DepotError.self, "\(statement)") {
                try app.write { db in for part in statement.split(separator: ";") { try db.execute(String(part)) } }
            }
        }
        #expect(try app.auditEntries(entity: "case", key: number.text, user: nil, limit: 5).first?.user == "sam")
    }
}

/// v16 on SQLite (issue 19's review): a deleted attachment's id is never given out again.
@Suite("SQLite schema v16", .enabled(if: !TestBackend.isPostgres))
struct SchemaV16Tests {
    @Test("after v16 new attachments continue past the highest id the table or the audit has seen; sessions lose only the token")
    func attachmentIDs() throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(configuration: configuration)
        try Schema.migrator.migrate(queue, upTo: SchemaV15.name)
        let row = "1, 'log.txt', 'text/plain', 3, '\(String(repeating: "a", count: 64))', 0, '2026-01-01T00:00:00Z', 'sam'"
        try queue.write { db in
            try db.execute(
                sql:
                    "INSERT INTO attachment (id, case_id, name, media_type, size, sha256, secure, uploaded_at, uploaded_by) VALUES (2, \(row))"
            )
            // Attachment 7 was deleted; the audit remembers it. Keys of other kinds and non-numbers do not count.
            for (entity, key) in [("attachment", "7"), ("case", "99"), ("attachment", "12x")] {
                try db.execute(
                    sql:
                        "INSERT INTO audit (recorded_at, at, user, role, action, entity, entity_key) VALUES ('t', 't', 'sam', 'admin', 'delete', ?, ?)",
                    arguments: [entity, key])
            }
            try db.execute(
                sql: "INSERT INTO web_session (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ('h', 1, 'plain', 't', 'u')")
        }
        try Schema.migrator.migrate(queue)
        try queue.write { db in
            var ids: [Int64] = []
            for _ in 0..<2 {
                try db.execute(
                    sql:
                        "INSERT INTO attachment (case_id, name, media_type, size, sha256, secure, uploaded_at, uploaded_by) VALUES (\(row))"
                )
                ids.append(db.lastInsertedRowID)
                try db.execute(sql: "DELETE FROM attachment WHERE id = ?", arguments: [db.lastInsertedRowID])
            }
            #expect(ids == [8, 9])
            #expect(try Int64.fetchAll(db, sql: "SELECT id FROM attachment") == [2])
            let columns = try db.columns(in: "web_session").map(\.name)
            #expect(!columns.contains("csrf_token") && columns.contains("id_hash"))
            #expect(try String.fetchOne(db, sql: "SELECT id_hash FROM web_session") == "h")
        }
    }
}
