import DepotCore
import Foundation

/// Attachment content in the database (PostgreSQL): `attachment_chunk` rows of at most 1 MiB per content, keyed by
/// the content's SHA-256 and the chunk's number, written in the transaction of the attachment's row (a rollback
/// leaves nothing), stored once however many attachments share the content, deleted in the transaction that deletes
/// the last attachment referring to it. Every server of the database sees the same content; no folder is shared.
enum AttachmentChunks {
    static let chunkSize = 1 << 20

    /// Stores a sealed upload's content under `sha256` unless the same content is stored already; the upload's
    /// temporary file is gone afterwards either way.
    static func store(_ upload: AttachmentUpload, sha256: String, in db: any SQLConnection) throws(DepotError) {
        defer { upload.discard() }
        do {
            if try db.value(Int.self, "SELECT count(*) FROM attachment_chunk WHERE sha256 = ? AND seq = 0", [sha256]) ?? 0 > 0 { return }
            guard let handle = FileHandle(forReadingAtPath: upload.temporary) else {
                throw DepotError.storage(path: upload.temporary, message: "cannot read the upload back")
            }
            defer { try? handle.close() }
            var seq = 0
            while let data = try handle.read(upToCount: chunkSize), !data.isEmpty {
                try insert(data, sha256: sha256, seq: seq, in: db)
                seq += 1
            }
        } catch let error as DepotError {
            throw error
        } catch {
            throw .storage(path: upload.temporary, message: "cannot store the upload: \(error)")
        }
    }

    /// Writes `data`, at most `chunkSize` bytes, as chunk `seq` of the content `sha256`.
    static func insert(_ data: Data, sha256: String, seq: Int, in db: any SQLConnection) throws {
        try db.execute("INSERT INTO attachment_chunk (sha256, seq, data) VALUES (?, ?, ?)", [sha256, seq, data])
    }

    /// Chunk `seq` of the content stored under `sha256`, or `nil` past its last.
    static func chunk(_ db: any SQLConnection, sha256: String, seq: Int) throws -> Data? {
        var found: Data?
        try db.each("SELECT data FROM attachment_chunk WHERE sha256 = ? AND seq = ?", [sha256, seq]) { row in
            guard case .blob(let chunk) = row.cell(at: 0) else {
                throw DepotError.storage(path: "attachment_chunk", message: "a chunk without data")
            }
            found = chunk
            return false
        }
        return found
    }

    /// The content stored under `sha256`, or `nil` when there is none.
    static func content(_ db: any SQLConnection, sha256: String) throws -> Data? {
        var content = Data()
        var found = false
        try db.each("SELECT data FROM attachment_chunk WHERE sha256 = ? ORDER BY seq", [sha256]) { row in
            guard case .blob(let chunk) = row.cell(at: 0) else {
                throw DepotError.storage(path: "attachment_chunk", message: "a chunk without data")
            }
            content.append(chunk)
            found = true
            return true
        }
        return found ? content : nil
    }

    /// Deletes the content no attachment refers to any more; answers how many contents went.
    @discardableResult
    static func removeUnreferenced(_ db: any SQLConnection) throws -> Int {
        let orphans = try db.values(
            String.self,
            """
            SELECT DISTINCT k.sha256 FROM attachment_chunk k
            WHERE k.seq = 0 AND NOT EXISTS (SELECT 1 FROM attachment a WHERE a.sha256 = k.sha256)
            """)
        for sha256 in orphans { try db.execute("DELETE FROM attachment_chunk WHERE sha256 = ?", [sha256]) }
        return orphans.count
    }
}
