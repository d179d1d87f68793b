import Crypto
import DepotCore
import Foundation

/// An attachment's content read a piece at a time (issue 19: eight parallel downloads of a 24 MB file held it eight
/// times in memory): from its file in the attachment folder, or chunk by chunk from `attachment_chunk`. The pieces are
/// hashed and counted as they pass; the last read checks the SHA-256 and the size, so a changed or truncated file is
/// an error, never a silent wrong answer. Used by one reader at a time.
public final class AttachmentReader: @unchecked Sendable {
    /// At most this many bytes per piece from a file (chunks are 1 MiB).
    static let pieceSize = 256 << 10

    private enum Source {
        case file(FileHandle)
        case chunks(DepotDatabase, next: Int)
    }

    public let attachment: CaseAttachment
    private let place: String
    private var source: Source?
    private var hash = SHA256()
    private var read: Int64 = 0

    init(_ attachment: CaseAttachment, database: DepotDatabase) throws(DepotError) {
        self.attachment = attachment
        if database.attachmentDirectory != nil {
            place = AttachmentFiles.location(of: attachment.sha256, in: database.attachmentFolder).path
            guard let handle = FileHandle(forReadingAtPath: place) else {
                throw .storage(path: place, message: "the stored content of attachment \(attachment.id) is missing")
            }
            source = .file(handle)
        } else {
            place = "\(database.path) attachment_chunk"
            let sha256 = attachment.sha256
            let first = try database.read { db in
                try db.value(Int.self, "SELECT count(*) FROM attachment_chunk WHERE sha256 = ? AND seq = 0", [sha256]) ?? 0
            }
            guard first > 0 else { throw .storage(path: place, message: "the stored content of attachment \(attachment.id) is missing") }
            source = .chunks(database, next: 0)
        }
    }

    deinit { close() }

    /// The next piece, `nil` after the last (once the whole content has been checked).
    public func next() throws(DepotError) -> Data? {
        guard let source else { return nil }
        let piece: Data?
        switch source {
        case .file(let handle):
            do {
                piece = try handle.read(upToCount: Self.pieceSize)
            } catch {
                throw .storage(path: place, message: "cannot read attachment \(attachment.id): \(error.localizedDescription)")
            }
        case .chunks(let database, let next):
            let sha256 = attachment.sha256
            piece = try database.read { db in try AttachmentChunks.chunk(db, sha256: sha256, seq: next) }
            self.source = .chunks(database, next: next + 1)
        }
        guard let piece, !piece.isEmpty else {
            close()
            guard read == attachment.size, Hex.lowercase(hash.finalize()) == attachment.sha256 else {
                throw .storage(path: place, message: "the stored content of attachment \(attachment.id) does not match its SHA-256")
            }
            return nil
        }
        hash.update(data: piece)
        read += Int64(piece.count)
        if read > attachment.size {
            close()
            throw .storage(path: place, message: "the stored content of attachment \(attachment.id) is longer than recorded")
        }
        return piece
    }

    /// The whole content, checked (for what needs it at once: an export's ZIP, the command line).
    public func all() throws(DepotError) -> Data {
        var data = Data(capacity: Int(attachment.size))
        while let piece = try next() { data.append(piece) }
        return data
    }

    private func close() {
        if case .file(let handle) = source { try? handle.close() }
        source = nil
    }
}
