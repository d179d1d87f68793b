import Crypto
import DepotCore
import Foundation
import GRDB

/// `depot backup` (issue 19): an online, consistent copy of an installation while its server runs. On SQLite the
/// database through SQLite's online backup API (one snapshot, writers carry on), the attachment contents that
/// snapshot refers to (under the folder's shared lock, so no sweep removes one meanwhile), the key file, and a
/// manifest of SHA-256s and table checksums, written last; the folder appears under its name only when complete.
/// On PostgreSQL the database's own tool, `pg_dump`, writes the archive (attachments are in the database).
extension DepotDatabase {
    /// Takes a backup into `folder`, which must not exist yet; answers its manifest.
    public func backup(to folder: String) throws(DepotError) -> BackupManifest {
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw .refused(subject: folder, reason: "exists already; a backup goes into a new folder")
        }
        let url = URL(fileURLWithPath: folder)
        BackupFiles.removeAbandonedPartials(in: url.deletingLastPathComponent().path) { $0 == url.lastPathComponent }
        let partial = folder + ".partial-\(getpid())"
        do {
            try? FileManager.default.removeItem(atPath: partial)
            // As private as the database: only its owner may read a backup (secure uploads, the key).
            try FileManager.default.createDirectory(
                atPath: partial, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let manifest: BackupManifest
            switch backend {
            case .sqlite(let pool): manifest = try sqliteBackup(pool, into: partial)
            case .postgres(let store): manifest = try PostgresBackup.dump(store, into: partial, keyFile: keyFile)
            }
            try BackupFiles.writeDurably(try manifest.encoded(), to: partial + "/" + BackupManifest.fileName)
            guard rename(partial, folder) == 0 else {
                throw DepotError.storage(path: folder, message: "cannot name the backup: \(String(cString: strerror(errno)))")
            }
            return manifest
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            if let error = error as? DepotError { throw error }
            throw .storage(path: folder, message: "the backup failed: \(error)")
        }
    }

    private func sqliteBackup(_ pool: DatabasePool, into partial: String) throws -> BackupManifest {
        let folder = attachmentFolder
        // No sweep removes a content the snapshot refers to while it is copied (sweeps skip a locked folder).
        let lock = attachmentDirectory == nil ? nil : FolderLock(folder: folder, exclusive: false, wait: true)
        defer { lock?.release() }
        let copyPath = partial + "/" + BackupFiles.sqliteName
        // Made by this process first, so that SQLite opens a file only its owner may read.
        guard FileManager.default.createFile(atPath: copyPath, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw DepotError.storage(path: copyPath, message: "cannot make the database's copy")
        }
        let copy = try DatabaseQueue(path: copyPath)
        try pool.backup(to: copy)
        let (tables, hashes, schema) = try copy.read { db in
            let connection = GRDBConnection(db)
            let tables = try BackupFiles.checksums(connection)
            let hashes = try connection.values(String.self, "SELECT DISTINCT sha256 FROM attachment ORDER BY sha256")
            return (tables, hashes, try Schema.migrator.appliedMigrations(db))
        }
        try copy.close()
        var attachments: [BackupManifest.File] = []
        for sha256 in hashes {
            let source = AttachmentFiles.location(of: sha256, in: folder).path
            let path = "attachments/\(sha256.prefix(2))/\(sha256)"
            let file = try BackupFiles.copy(source, to: partial + "/" + path, named: path)
            guard file.sha256 == sha256 else {
                throw DepotError.storage(path: source, message: "the stored content does not match its SHA-256; the backup is not taken")
            }
            attachments.append(file)
        }
        return BackupManifest(
            store: "sqlite", takenAt: now(), schema: schema,
            database: try BackupFiles.describe(copyPath, named: BackupFiles.sqliteName),
            keyFile: try BackupFiles.copyKey(keyFile, into: partial), attachments: attachments, tables: tables)
    }
}

/// What a restore found and made.
public struct RestoreReport: Sendable, Encodable, Equatable {
    public let database: String
    public let tables: Int
    public let rows: Int
    public let attachments: Int
    public let keyFile: Bool
}

extension DepotDatabase {
    /// Restores the SQLite backup in `folder` as a new database at `path` (with its attachments and key file beside
    /// it), verified before it is put in place: every file's SHA-256 and size, SQLite's integrity check, and every
    /// table's rows and checksum against the manifest. Nothing is written over: `path` and its companions must not
    /// exist.
    public static func restore(backup folder: String, to path: String) throws(DepotError) -> RestoreReport {
        let manifest = try BackupManifest.read(folder: folder)
        guard manifest.store == "sqlite" else {
            throw .refused(
                subject: folder,
                reason:
                    "is a PostgreSQL backup: restore it with pg_restore --dbname URL \(folder)/\(manifest.database.path) (README: Backups)")
        }
        // First what a killed restore to this path left, its companions put in place included.
        removeAbandonedRestores(of: path)
        let companions = [path, path + ".attachments", path + ".key", path + "-wal"]
        // lstat, not stat: a symbolic link (even one to nothing) is something that is there.
        if let taken = companions.first(where: { BackupFiles.exists($0) }) {
            throw .refused(subject: taken, reason: "exists already; a backup is restored as a new database only")
        }
        let partial = path + ".restoring-\(getpid())"
        let files = partial + ".attachments"
        var placed: [String] = []
        do {
            try BackupFiles.checkPaths(manifest, in: folder)
            try BackupFiles.verify(manifest, in: folder)
            _ = try BackupFiles.copy(folder + "/" + manifest.database.path, to: partial, named: manifest.database.path)
            let rows = try BackupFiles.check(partial, against: manifest)
            for file in manifest.attachments {
                let sha256 = String(file.path.split(separator: "/").last ?? "")
                _ = try BackupFiles.copy(
                    folder + "/" + file.path, to: AttachmentFiles.location(of: sha256, in: files).path, named: file.path)
            }
            if let key = manifest.keyFile {
                _ = try BackupFiles.copy(folder + "/" + key.path, to: partial + ".key", named: key.path, mode: 0o600)
            }
            // Into place: the key and the attachments first, the database last (its name is what makes it exist). What
            // goes in place before it is listed first, so that a restore killed in between is undone by the next one.
            let moves = [
                (partial + ".key", path + ".key", manifest.keyFile != nil), (files, path + ".attachments", !manifest.attachments.isEmpty),
            ]
            .filter(\.2)
            try BackupFiles.writeDurably(Data(moves.map(\.1).joined(separator: "\n").utf8), to: partial + ".placing")
            for (from, to, _) in moves {
                guard rename(from, to) == 0 else {
                    throw DepotError.storage(path: to, message: "cannot name it: \(String(cString: strerror(errno)))")
                }
                placed.append(to)
            }
            guard rename(partial, path) == 0 else {
                throw DepotError.storage(path: path, message: "cannot name the database: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(atPath: partial + ".placing")
            return RestoreReport(
                database: path, tables: manifest.tables.count, rows: rows, attachments: manifest.attachments.count,
                keyFile: manifest.keyFile != nil)
        } catch {
            for leftover in [partial, partial + "-wal", partial + "-shm", partial + ".key", files, partial + ".placing"] + placed {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            if let error = error as? DepotError { throw error }
            throw .storage(path: path, message: "the restore failed: \(error)")
        }
    }

    /// Removes what restores to `path` killed before they could clean up left (`PATH.restoring-PID` and its
    /// companions): those of processes no longer running. A restore that is still running keeps its files. One killed
    /// while putting files in place left `PATH.restoring-PID.placing`, the list of what it was moving: while the
    /// database itself is not there, the key and attachments it names (only those two names) are its and go too.
    private static func removeAbandonedRestores(of path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".restoring-"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(prefix) }
        for name in names.sorted(by: { $0.hasSuffix(".placing") && !$1.hasSuffix(".placing") }) {
            let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = pid_t(digits), pid > 0, kill(pid, 0) == -1, errno == ESRCH else { continue }
            if name.hasSuffix(".placing"), !BackupFiles.exists(path),
                let list = FileManager.default.contents(atPath: folder + "/" + name)
            {
                let ours = [url.lastPathComponent + ".key", url.lastPathComponent + ".attachments"]
                for placed in String(decoding: list, as: UTF8.self).split(separator: "\n") {
                    let placedName = URL(fileURLWithPath: String(placed)).lastPathComponent
                    if ours.contains(placedName) { try? FileManager.default.removeItem(atPath: folder + "/" + placedName) }
                }
            }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }
}
