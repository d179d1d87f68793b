import Crypto
import DepotCore
import Foundation

/// A file attached to a case.
public struct CaseAttachment: Sendable, Equatable, Encodable {
    public let id: Int64
    public let caseNumber: String
    /// The user's name for the file: shown and offered as the download's name, never a path.
    public let name: String
    public let mediaType: String
    public let size: Int64
    /// Lowercase hex SHA-256 of the content.
    public let sha256: String
    /// Sent as a secure upload: purged after the policy's days at the latest.
    public let secure: Bool
    public let uploadedAt: Instant
    public let uploadedBy: String

    enum CodingKeys: String, CodingKey {
        case id
        case caseNumber = "case"
        case name, mediaType, size, sha256, secure, uploadedAt, uploadedBy
    }
}

/// What a retention run deleted.
public struct RetentionReport: Sendable, Equatable, Encodable {
    /// Attachments of closed cases.
    public var closedCases = 0
    /// Secure uploads past their retention.
    public var secureExpired = 0
    /// Stored files no attachment refers to any more.
    public var filesRemoved = 0
    /// Recorded answers to API requests with an `Idempotency-Key`, past the day they are kept for retries.
    public var answersForgotten = 0

    public init(closedCases: Int = 0, secureExpired: Int = 0, filesRemoved: Int = 0, answersForgotten: Int = 0) {
        self.closedCases = closedCases
        self.secureExpired = secureExpired
        self.filesRemoved = filesRemoved
        self.answersForgotten = answersForgotten
    }
}

/// An upload on its way into the store: the content is written to a temporary file in the attachment folder
/// while it is hashed and counted, so a file of any size passes through a fixed buffer, and a limit is checked
/// as the bytes arrive (nothing is kept of an upload over the limit).
public final class AttachmentUpload {
    let folder: String
    let temporary: String
    private let handle: FileHandle
    private var hasher = SHA256()
    private(set) var size: Int64 = 0
    let limit: Int64
    private var finished = false

    /// What the uploader calls the file (its path or name), for messages.
    let label: String

    init(folder: String, limit: Int64, label: String) throws(DepotError) {
        self.folder = folder
        self.limit = limit
        self.label = label
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .storage(path: folder, message: "cannot create the attachment folder: \(error.localizedDescription)")
        }
        temporary = folder + "/upload-\(UUID().uuidString).partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw .storage(path: temporary, message: "cannot create a file in the attachment folder") }
        self.handle = handle
    }

    deinit {
        if !finished { discard() }
    }

    /// Lowercase hex SHA-256 of the bytes so far.
    public var contentHash: String { Hex.lowercase(hasher.finalize()) }

    /// Adds bytes; refuses them (and drops what came before) once the upload passes the limit.
    public func append<Bytes: Collection>(_ bytes: Bytes) throws(DepotError) where Bytes.Element == UInt8 {
        size += Int64(bytes.count)
        guard size <= limit else {
            discard()
            throw .invalidArgument(
                name: "file", value: label, reason: "is larger than the limit of \(limit / 1_000_000) MB (attachments.max-megabytes)")
        }
        let data = Data(bytes)
        hasher.update(data: data)
        do { try handle.write(contentsOf: data) } catch {
            discard()
            throw .storage(path: temporary, message: "cannot write the upload: \(error.localizedDescription)")
        }
    }

    /// Ends the upload and returns the content's hash; an empty upload is refused. The content stays in its
    /// temporary file until `place(_:)`.
    func seal() throws(DepotError) -> String {
        guard size > 0 else {
            discard()
            throw .invalidArgument(name: "file", value: label, reason: "is empty: there is nothing to attach")
        }
        try? handle.close()
        return Hex.lowercase(hasher.finalize())
    }

    /// Moves the sealed content to its place by hash (keeping the copy stored already, if any). Called inside the
    /// write transaction that inserts the attachment's row, under the folder's shared lock, so no sweep runs between
    /// the file's arrival and the row's commit.
    func place(_ digest: String) throws(DepotError) {
        let (directory, path) = AttachmentFiles.location(of: digest, in: folder)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            discard()
            throw .storage(path: directory, message: "cannot create the folder: \(error.localizedDescription)")
        }
        // The same content stored already: keep that copy.
        if FileManager.default.fileExists(atPath: path) {
            discard()
        } else if rename(temporary, path) != 0 {
            discard()
            throw .storage(path: path, message: "cannot store the upload: \(String(cString: strerror(errno)))")
        }
        finished = true
    }

    /// Forgets the upload.
    public func discard() {
        finished = true
        try? handle.close()
        unlink(temporary)
    }
}

/// An advisory lock (flock of `DB.attachments.lock`, beside the folder) on the attachment folder, across processes: uploads hold it shared from placing their
/// file until their row commits; sweeps hold it exclusively while they decide which files no row refers to.
final class FolderLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock, or returns `nil` when `wait` is false and another holds it (or the lock file cannot be made).
    init?(folder: String, exclusive: Bool, wait: Bool) {
        descriptor = open(folder + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        var result: Int32
        repeat {
            result = flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB))
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            close(descriptor)
            return nil
        }
    }

    /// Lets the lock go (also when the value is released).
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}

/// Where attachment content lives beside an SQLite file: `DB.attachments/ab/abcdef...`, by the content's SHA-256.
enum AttachmentFiles {
    /// The SHA-256 of every file stored in `folder`, sorted.
    static func stored(in folder: String) -> [String] {
        let manager = FileManager.default
        let top = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        return top.filter { $0.count == 2 }
            .flatMap { (try? manager.contentsOfDirectory(atPath: folder + "/" + $0)) ?? [] }
            .filter { $0.count == 64 }.sorted()
    }

    static func location(of sha256: String, in folder: String) -> (directory: String, path: String) {
        let directory = folder + "/" + sha256.prefix(2)
        return (directory, directory + "/" + sha256)
    }

    /// Removes the stored files no attachment refers to once the transaction of `db` commits (also a group
    /// commit's, whose jobs each run in a savepoint: the sweep reads the committed rows, so a job rolled back keeps
    /// its files). When an upload is committing its row right then, this sweep is skipped; the next one (or the
    /// retention run) removes the files.
    static func removeUnreferenced(afterCommitOf db: any SQLConnection, folder: String) {
        db.afterTransaction(
            onCommit: { db in
                guard let lock = FolderLock(folder: folder, exclusive: true, wait: false),
                    let referenced = try? db.values(String.self, "SELECT DISTINCT sha256 FROM attachment")
                else { return }
                _ = sweep(folder: folder, referenced: Set(referenced))
                lock.release()
            }, onRollback: {})
    }

    /// Removes stored files that no attachment row refers to (after deletions, and leftovers of a crash between
    /// storing a file and committing its row), and uploads abandoned more than an hour ago. The caller holds the
    /// folder's exclusive lock and read `referenced` under it, after the last commit: an upload places its file and
    /// commits its row under the shared lock, so a file without a row here is one no upload is about to claim.
    static func sweep(folder: String, referenced: Set<String>, now: Date = Date()) -> Int {
        var removed = 0
        let manager = FileManager.default
        guard let top = try? manager.contentsOfDirectory(atPath: folder) else { return 0 }
        for entry in top {
            let path = folder + "/" + entry
            if entry.hasSuffix(".partial") {
                let modified = (try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? now
                if now.timeIntervalSince(modified) > 3600 { unlink(path) }
                continue
            }
            guard entry.count == 2, let files = try? manager.contentsOfDirectory(atPath: path) else { continue }
            for file in files where file.count == 64 && !referenced.contains(file) {
                if unlink(path + "/" + file) == 0 { removed += 1 }
            }
            rmdir(path)  // only when it is empty now
        }
        return removed
    }
}

extension DepotDatabase {
    /// The folder of this database's attachment files; on PostgreSQL (content in `attachment_chunk`) the local folder
    /// uploads pass through on their way into the database.
    public var attachmentFolder: String { attachmentDirectory ?? NSTemporaryDirectory() + "depot-uploads" }

    /// Starts an upload limited by the policy's size; `label` (the file's path or name) names it in refusals.
    public func beginUpload(label: String = "") throws(DepotError) -> AttachmentUpload {
        try AttachmentUpload(folder: attachmentFolder, limit: policy.attachments.maxBytes, label: label)
    }

    /// The SHA-256 of every content stored (files in the folder, or chunked content in the database), sorted.
    public func storedAttachmentContents() throws(DepotError) -> [String] {
        guard attachmentDirectory == nil else { return AttachmentFiles.stored(in: attachmentFolder) }
        return try read { db in try db.values(String.self, "SELECT DISTINCT sha256 FROM attachment_chunk ORDER BY sha256") }
    }

    /// Attaches a finished upload to an open case: the name is checked (a name that is a path, or holds a control
    /// character, is refused and nothing is kept), the content stored by hash, the row and an audit entry written.
    public func attach(
        _ upload: AttachmentUpload, to number: CaseNumber, name: String, mediaType: String?, secure: Bool,
        at: Instant, actor: ActingUser
    ) throws(DepotError) -> CaseAttachment {
        do throws(DepotError) {
            try actor.require(.manageCases)
            let checkedName = try AttachmentName.check(name)
            let type = AttachmentName.mediaType(mediaType)
            let caseRow = try read { db in try FindRecord.supportCase(db, number: number) }
            guard caseRow.status != .closed else {
                throw DepotError.refused(
                    subject: caseRow.number.text, reason: "is closed: its attachments were deleted and it takes no new ones")
            }
            let sha = try upload.seal()
            let recordedAt = now()
            let id: Int64
            do throws(DepotError) {
                id = try write { db in
                    let current = try FindRecord.supportCase(db, number: number)
                    guard current.status != .closed else {
                        throw DepotError.refused(subject: current.number.text, reason: "is closed")
                    }
                    try checkEventTime(
                        at, after: EventTimes.lastOfCase(db, caseID: current.id), "\(current.number)'s last event")
                    try storeContent(upload, sha256: sha, in: db)
                    let id = try db.insert(
                        """
                        INSERT INTO attachment (case_id, name, media_type, size, sha256, secure, uploaded_at, uploaded_by, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            current.id, checkedName, type, upload.size, sha, secure, at.description, actor.user,
                            recordedAt.description,
                        ])
                    try CaseEvents.add(
                        db, caseID: current.id, at: at, kind: "attached", actor: actor,
                        // The timeline is read by every role: a secure upload's name is only in its row and audit.
                        note: secure ? "secure upload \(id) (\(upload.size) bytes)" : "\(checkedName) (\(upload.size) bytes)")
                    try AuditLog.record(
                        db, actor: actor, at: at, recordedAt: recordedAt, action: "attach", entity: "attachment", key: String(id),
                        customerID: current.customerID,
                        details: [
                            "case": current.number.text, "name": checkedName, "sha256": sha, "size": String(upload.size),
                            "secure": secure ? "yes" : "no",
                        ])
                    return id
                }
            } catch {
                if attachmentDirectory != nil { _ = removeUnreferencedAttachmentFiles(wait: false) }
                throw error
            }
            return try attachment(id)
        } catch {
            upload.discard()
            throw error
        }
    }

    /// One attachment.
    public func attachment(_ id: Int64) throws(DepotError) -> CaseAttachment {
        let found = try read { db in
            try db.rows("\(Self.attachmentSelect) WHERE t.id = ?", [id], source: "query").first.map(Self.attachment)
        }
        guard let found else { throw .notFound(kind: "attachment", key: String(id)) }
        return found
    }

    /// The attachments of a case, oldest first.
    public func attachments(of number: CaseNumber) throws(DepotError) -> [CaseAttachment] {
        try read { db in
            let caseRow = try FindRecord.supportCase(db, number: number)
            return try db.rows("\(Self.attachmentSelect) WHERE t.case_id = ? ORDER BY t.id", [caseRow.id], source: "query")
                .map(Self.attachment)
        }
    }

    /// The attachments of a case `actor` may see, oldest first: a secure upload (its name, size and hash too) only
    /// for the roles that may download it.
    public func attachments(of number: CaseNumber, visibleTo actor: ActingUser) throws(DepotError) -> [CaseAttachment] {
        let all = try attachments(of: number)
        return actor.role.allows(.readSecureUploads) ? all : all.filter { !$0.secure }
    }

    /// Attachment `id` for `actor` to download, with a reader of its content (issue 19): a secure upload only for
    /// support engineers and admins, and each such download audited (with the server's time). A content that is
    /// missing is an error here, before anything is sent.
    /// `audited: false` checks the same and records nothing (a HEAD request, which downloads nothing).
    public func downloadAttachment(_ id: Int64, actor: ActingUser, audited: Bool = true) throws(DepotError) -> AttachmentReader {
        let found = try attachment(id)
        guard found.secure else { return try AttachmentReader(found, database: self) }
        try actor.require(.readSecureUploads)
        let reader = try AttachmentReader(found, database: self)
        guard audited else { return reader }
        let at = now()
        try write { db in
            let customerID = try db.value(Int64.self, "SELECT customer_id FROM support_case WHERE number = ?", [found.caseNumber])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: at, action: "download", entity: "attachment", key: String(found.id),
                customerID: customerID, details: ["case": found.caseNumber, "name": found.name, "sha256": found.sha256])
        }
        return reader
    }

    /// The content of an attachment, checked against its SHA-256 and size (a changed or missing file is an error,
    /// not a silent wrong answer).
    public func attachmentContent(_ attachment: CaseAttachment) throws(DepotError) -> Data {
        try AttachmentReader(attachment, database: self).all()
    }

    /// Stores an upload's sealed content, inside the write transaction `db` that inserts its attachment row: in the
    /// folder (under its shared lock until the row commits, so no sweep runs in between), or as chunks in the same
    /// transaction.
    private func storeContent(_ upload: AttachmentUpload, sha256: String, in db: any SQLConnection) throws(DepotError) {
        guard attachmentDirectory != nil else { return try AttachmentChunks.store(upload, sha256: sha256, in: db) }
        guard let lock = FolderLock(folder: attachmentFolder, exclusive: false, wait: true) else {
            throw DepotError.storage(path: attachmentFolder, message: "cannot lock the attachment folder")
        }
        db.afterTransaction(onCommit: { _ in lock.release() }, onRollback: { lock.release() })
        try upload.place(sha256)
    }

    /// Removes the content no attachment refers to any more, once the transaction of `db` (which deleted attachment
    /// rows) commits: the folder's files after the commit; chunks within the same transaction.
    func removeUnreferencedContent(afterCommitOf db: any SQLConnection) throws {
        if let folder = attachmentDirectory {
            AttachmentFiles.removeUnreferenced(afterCommitOf: db, folder: folder)
        } else {
            try AttachmentChunks.removeUnreferenced(db)
        }
    }

    private static let attachmentSelect = """
        SELECT t.id, c.number, t.name, t.media_type, t.size, t.sha256, t.secure, t.uploaded_at, t.uploaded_by
        FROM attachment t JOIN support_case c ON c.id = t.case_id
        """

    private static func attachment(_ row: StoredRow) throws(DepotError) -> CaseAttachment {
        let row = row.stored("attachment")
        return CaseAttachment(
            id: try row("id"), caseNumber: try row("number"), name: try row("name"), mediaType: try row("media_type"),
            size: try row("size"),
            sha256: try row("sha256"), secure: try row("secure"), uploadedAt: try row("uploaded_at"), uploadedBy: try row("uploaded_by"))
    }
}
