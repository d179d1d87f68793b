import Crypto
import DepotCore
import Foundation
import GRDB

/// The file work of backups and restores: copies that hash as they go, synced to disk; the checks a restore makes.
enum BackupFiles {
    static let sqliteName = "depot.sqlite"
    static let keyName = "key"
    private static let pieceSize = 1 << 20

    /// Copies `source` to `target` (making its folder), hashing and counting as it goes, then syncs the copy; answers
    /// it as a manifest entry called `name`.
    static func copy(_ source: String, to target: String, named name: String, mode: mode_t = 0o600) throws -> BackupManifest.File {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw DepotError.unreadableFile(path: source, reason: "missing or unreadable")
        }
        defer { try? input.close() }
        let parent = (target as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw DepotError.storage(path: target, message: String(cString: strerror(errno))) }
        let output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let piece = try input.read(upToCount: pieceSize), !piece.isEmpty {
            hasher.update(data: piece)
            bytes += Int64(piece.count)
            try output.write(contentsOf: piece)
        }
        try output.synchronize()
        try output.close()
        return BackupManifest.File(path: name, bytes: bytes, sha256: Hex.lowercase(hasher.finalize()))
    }

    /// The manifest entry of the file at `path`.
    static func describe(_ path: String, named name: String) throws -> BackupManifest.File {
        guard let input = FileHandle(forReadingAtPath: path) else { throw DepotError.unreadableFile(path: path, reason: "missing") }
        defer { try? input.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let piece = try input.read(upToCount: pieceSize), !piece.isEmpty {
            hasher.update(data: piece)
            bytes += Int64(piece.count)
        }
        return BackupManifest.File(path: name, bytes: bytes, sha256: Hex.lowercase(hasher.finalize()))
    }

    /// The installation's key file copied into the backup (mode 600), when there is one.
    static func copyKey(_ keyFile: String?, into folder: String) throws -> BackupManifest.File? {
        guard let keyFile, FileManager.default.fileExists(atPath: keyFile) else { return nil }
        return try copy(keyFile, to: folder + "/" + keyName, named: keyName, mode: 0o600)
    }

    /// Writes `data` to `path` and syncs it.
    static func writeDurably(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forUpdatingAtPath: path)
        else {
            throw DepotError.storage(path: path, message: "cannot write")
        }
        try handle.synchronize()
        try handle.close()
    }

    /// Whether anything, a dangling symbolic link included, is at `path`.
    /// Removes the `NAME.partial-PID` folders in `directory` that backups killed before they finished left (only
    /// those of processes that no longer run, and whose NAME `isOurs`).
    static func removeAbandonedPartials(in directory: String, isOurs: (String) -> Bool) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            guard let marker = name.range(of: ".partial-", options: .backwards), isOurs(String(name[..<marker.lowerBound])),
                let pid = pid_t(name[marker.upperBound...]), pid > 0, kill(pid, 0) == -1, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The manifest's paths are the ones a backup writes, never a path out of the backup's folder: the database
    /// `depot.sqlite`, the key `key`, each attachment `attachments/ab/SHA256` under its own content's hash.
    static func checkPaths(_ manifest: BackupManifest, in folder: String) throws {
        func refuse(_ path: String) -> DepotError {
            .storage(path: folder + "/" + BackupManifest.fileName, message: "names \"\(path)\", not a file a backup writes")
        }
        guard manifest.database.path == sqliteName else { throw refuse(manifest.database.path) }
        if let key = manifest.keyFile, key.path != keyName { throw refuse(key.path) }
        for file in manifest.attachments {
            let sha = file.sha256
            guard sha.count == 64, sha.allSatisfy({ $0.isHexDigit && !$0.isUppercase }), file.path == "attachments/\(sha.prefix(2))/\(sha)"
            else { throw refuse(file.path) }
        }
    }

    /// Every file the manifest names, checked against its SHA-256 and size.
    static func verify(_ manifest: BackupManifest, in folder: String) throws {
        for file in [manifest.database] + manifest.attachments + (manifest.keyFile.map { [$0] } ?? []) {
            let found = try describe(folder + "/" + file.path, named: file.path)
            guard found == file else {
                throw DepotError.storage(
                    path: folder + "/" + file.path,
                    message: "does not match the manifest (\(found.bytes) bytes, SHA-256 \(found.sha256.prefix(12))…; "
                        + "the manifest says \(file.bytes) bytes, \(file.sha256.prefix(12))…)")
            }
        }
    }

    /// SQLite's integrity check of the database at `path`, its schema and every table's rows and checksum against the
    /// manifest; answers the rows in all.
    static func check(_ path: String, against manifest: BackupManifest) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let connection = GRDBConnection(db)
            let integrity = try connection.values(String.self, "PRAGMA integrity_check")
            guard integrity == ["ok"] else {
                throw DepotError.storage(
                    path: path, message: "fails SQLite's integrity check: \(integrity.prefix(3).joined(separator: "; "))")
            }
            guard try Schema.migrator.appliedMigrations(db) == manifest.schema else {
                throw DepotError.storage(path: path, message: "its schema is not the one the manifest names")
            }
            // Every attachment the database refers to has its content in the backup.
            let referenced = Set(try connection.values(String.self, "SELECT DISTINCT sha256 FROM attachment"))
            let missing = referenced.subtracting(manifest.attachments.map(\.sha256))
            guard missing.isEmpty else {
                throw DepotError.storage(
                    path: path,
                    message: "refers to \(missing.count) attachment content(s) the backup does not hold, e.g. \(missing.sorted()[0])")
            }
            let tables = try checksums(connection)
            guard tables == manifest.tables else {
                let differing = Set(tables.map(\.name)).symmetricDifference(manifest.tables.map(\.name))
                    .union(zip(tables, manifest.tables).filter { $0 != $1 }.map(\.0.name))
                throw DepotError.storage(
                    path: path, message: "differs from the manifest in \(differing.sorted().joined(separator: ", "))")
            }
            return tables.reduce(0) { $0 + $1.rows }
        }
    }

    /// Every table of an SQLite database with its rows and checksum, by name.
    static func checksums(_ db: any SQLConnection) throws -> [BackupManifest.Table] {
        let names = try db.values(
            String.self, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return try names.map { name in
            let columns = try db.columns(of: name)
            let key = try db.values(String.self, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [name])
            let table = InstallationCopy.Table(
                name: name, columns: columns, key: key.isEmpty ? columns : key, booleans: [], selfReferences: [], hasIdentity: false)
            let (rows, sha256) = try InstallationCopy.checksum(table, db)
            return BackupManifest.Table(name: name, rows: rows, sha256: sha256)
        }
    }
}
