import DepotCore
import DepotTestSupport
import Foundation
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
            try db.execute("INSERT INTO depot_migration (name, applied_at) VALUES ('v16-from-the-future', '2031-01-01T00:00:00Z')")
            try db.execute("UPDATE depot_schema SET version = 16, compatible_since = 15")
        }
        #expect(try DepotDatabase.open(postgres: location, policy: policy).schemaVersion().contains("v16-from-the-future"))
        // One that changes what this build relies on.
        _ = try depot.outside { db in try db.execute("UPDATE depot_schema SET compatible_since = 16") }
        #expect(throws: DepotError.databaseNewer(path: location.description, unknownMigrations: ["v16-from-the-future"])) {
            try DepotDatabase.open(postgres: location, policy: policy)
        }
        // The schema as an earlier build (v10) left it: refused until `depot migrate`, which adds v11 to v13 once.
        try depot.outside { db in
            try db.execute(
                "DELETE FROM depot_migration WHERE name IN ('v11-shared-servers', 'v12-case-version-support', 'v13-handbook-records', 'v14-sign-in-failures', 'v15-guess-kinds', 'v16-from-the-future')"
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
