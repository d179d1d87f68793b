import DepotCore
import Foundation

extension PostgresStore {
    /// Gives the role `role` (the servers' login) what the application needs and no more: reading and writing every
    /// table but the audit log, to which it may only add (no UPDATE, DELETE or TRUNCATE: the trigger refuses them too,
    /// and a role without the privilege cannot set the trigger aside); the schema's own tables only to read. The
    /// contacts' erasure rewrites the audit log and so runs as the owner (`depot customer erase-contacts` with the
    /// owner's URL).
    func grant(to role: String) throws {
        guard !role.isEmpty, role.count <= 63, role.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
            role.first?.isNumber == false
        else {
            throw DepotError.invalidArgument(name: "--grant-to", value: role, reason: "a role name of letters, digits and _")
        }
        try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                guard try connection.value(Int.self, "SELECT count(*) FROM pg_roles WHERE rolname = ?", [role]) == 1 else {
                    throw DepotError.notFound(kind: "database role", key: role)
                }
                let schema = try connection.value(String.self, "SELECT current_schema()") ?? "public"
                let (r, s) = ("\"\(role)\"", "\"\(schema.replacingOccurrences(of: "\"", with: "\"\""))\"")
                for statement in [
                    "GRANT USAGE ON SCHEMA \(s) TO \(r)",
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(s) TO \(r)",
                    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \(s) TO \(r)",
                    "REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM \(r)",
                    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON depot_migration, depot_schema FROM \(r)",
                ] {
                    try connection.execute(statement)
                }
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

extension DepotDatabase {
    /// Grants the servers' database role what Depot needs on PostgreSQL, and on the audit log only reading and adding
    /// (`depot init` / `depot migrate --grant-to ROLE`, run as the owner after every migration).
    public func grantApplicationRole(_ role: String) throws(DepotError) {
        guard case .postgres(let store) = backend else {
            throw .invalidArgument(name: "--grant-to", value: role, reason: "database roles are PostgreSQL's; an SQLite file has none")
        }
        do {
            try store.grant(to: role)
        } catch {
            throw storageError(error)
        }
    }
}
