import DepotCore
import Foundation

/// A PostgreSQL installation's backup: PostgreSQL's own `pg_dump` writes a consistent archive (custom format, one
/// snapshot, while servers write on) of Depot's database, attachments included (they are in `attachment_chunk`);
/// the key file beside it. For point-in-time recovery use PostgreSQL's base backups and WAL archiving instead
/// (README: Backups).
enum PostgresBackup {
    static let dumpName = "depot.pgdump"

    static func dump(_ store: PostgresStore, into folder: String, keyFile: String?) throws -> BackupManifest {
        let location = store.location
        let schema = try store.appliedMigrations()
        let target = folder + "/" + dumpName
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "pg_dump", "--format=custom", "--no-owner", "--host", location.host, "--port", String(location.port), "--username",
            location.user, "--dbname", location.database, "--file", target,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password = location.password { environment["PGPASSWORD"] = password }
        environment["PGSSLMODE"] = location.tls.rawValue
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            throw DepotError.storage(path: "pg_dump", message: "cannot run pg_dump (Debian: apt-get install postgresql-client): \(error)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DepotError.storage(path: location.description, message: "pg_dump failed: \(text)")
        }
        return BackupManifest(
            store: "postgres", takenAt: Instant(Date()), schema: schema, database: try BackupFiles.describe(target, named: dumpName),
            keyFile: try BackupFiles.copyKey(keyFile, into: folder), attachments: [], tables: [])
    }
}
