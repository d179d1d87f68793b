import DepotCore
import Foundation

/// What a backup holds (issue 19), `manifest.json` in its folder, written last: a folder without one is not a
/// backup. Every file is named with its SHA-256 and size, every table with its rows and checksum (the checksum
/// `depot copy` uses), so a restore can prove it got back exactly what was saved.
public struct BackupManifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// The path inside the backup folder.
        public let path: String
        public let bytes: Int64
        public let sha256: String
    }

    public struct Table: Codable, Sendable, Equatable {
        public let name: String
        public let rows: Int
        public let sha256: String
    }

    public static let formatName = "depot-backup-1"
    public static let fileName = "manifest.json"

    public var format = BackupManifest.formatName
    /// `sqlite` (the database file) or `postgres` (a pg_dump archive).
    public let store: String
    public let takenAt: Instant
    /// The schema's migrations when it was taken.
    public let schema: [String]
    /// The database: `depot.sqlite`, or `depot.pgdump`.
    public let database: File
    /// The installation key file (`key`), when there is one.
    public let keyFile: File?
    /// Every attachment content, `attachments/ab/SHA256` (SQLite; on PostgreSQL the content is in the database).
    public let attachments: [File]
    /// Every table's rows and checksum (SQLite).
    public let tables: [Table]

    /// Reads the manifest of the backup in `folder`, refusing a folder that is not a complete backup.
    public static func read(folder: String) throws(DepotError) -> BackupManifest {
        let path = folder + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "no manifest: not a complete Depot backup (a backup writes it last)")
        }
        let decoder = JSONDecoder()
        guard let manifest = try? decoder.decode(BackupManifest.self, from: data), manifest.format == formatName else {
            throw .unreadableFile(path: path, reason: "not a \(formatName) manifest")
        }
        return manifest
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
