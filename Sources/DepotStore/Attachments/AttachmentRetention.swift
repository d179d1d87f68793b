import DepotCore
import Foundation

extension DepotDatabase {
    /// Applies the retention rules at `at`: the attachments of closed cases are deleted, and secure uploads
    /// received more than the policy's days before (closed or not: counted from when the server received the file,
    /// whatever date the uploader gave); rows and files go, each deletion audited. Nothing else about a case is
    /// ever deleted here.
    public func applyRetention(at: Instant, actor: ActingUser) throws(DepotError) -> RetentionReport {
        try actor.require(.applyRetention)
        try checkEventTime(at, after: nil, "")
        let cutoff = at.adding(seconds: -Int64(policy.attachments.secureRetentionDays) * 86_400)
        let recordedAt = now()
        var report = try write { db in
            var report = RetentionReport()
            let due = try db.rows(
                """
                SELECT t.id, t.name, t.sha256, t.secure, t.uploaded_at, c.id AS case_id, c.number, c.status, c.customer_id
                FROM attachment t JOIN support_case c ON c.id = t.case_id
                WHERE c.status = 'closed' OR (t.secure AND t.received_at <= ?)
                ORDER BY t.id
                """, [cutoff.description], source: "query")
            for row in due {
                let closed = try row.decode("status", from: "support_case") as CaseStatus == .closed
                let reason = closed ? "the case is closed" : "secure upload older than \(policy.attachments.secureRetentionDays) days"
                try Self.deleteAttachment(db, row, reason: reason, at: at, recordedAt: recordedAt, actor: actor)
                if closed { report.closedCases += 1 } else { report.secureExpired += 1 }
            }
            if attachmentDirectory == nil { report.filesRemoved = try AttachmentChunks.removeUnreferenced(db) }
            report.answersForgotten = try forgetIdempotentAnswers(db, now: at)
            return report
        }
        if attachmentDirectory != nil { report.filesRemoved = removeUnreferencedAttachmentFiles() }
        return report
    }

    /// Deletes one attachment row with its timeline entry and audit entry (the file goes in the next sweep).
    /// `row` has the attachment's `id`, `name`, `sha256`, `secure` and `case_id`, its case's `number` and `customer_id`.
    static func deleteAttachment(
        _ db: any SQLConnection, _ row: StoredRow, reason: String, at: Instant, recordedAt: Instant, actor: ActingUser
    ) throws {
        let attachment = row.stored("attachment")
        let id: Int64 = try attachment("id")
        let name: String = try attachment("name")
        let secure: Bool = try attachment("secure")
        try db.execute("DELETE FROM attachment WHERE id = ?", [id])
        // The timeline is read by every role: a secure upload's name stays in its audit entry.
        try CaseEvents.add(
            db, caseID: try attachment("case_id"), at: at, kind: "attachment-deleted", actor: actor,
            note: "\(secure ? "secure upload \(id)" : name): \(reason)")
        try AuditLog.record(
            db, actor: actor, at: at, recordedAt: recordedAt, action: "delete", entity: "attachment", key: String(id),
            customerID: try attachment("customer_id"), reason: reason,
            details: ["case": try attachment("number") as String, "name": name, "sha256": try attachment("sha256") as String])
    }

    /// Removes the stored files no attachment refers to; returns how many. With `wait` false it gives up at once
    /// when an upload is committing (a caller inside a write transaction must not wait for one).
    @discardableResult
    func removeUnreferencedAttachmentFiles(wait: Bool = true) -> Int {
        guard attachmentDirectory != nil, let lock = FolderLock(folder: attachmentFolder, exclusive: true, wait: wait),
            let referenced = try? read({ db in try Set(db.values(String.self, "SELECT DISTINCT sha256 FROM attachment")) })
        else { return 0 }
        defer { lock.release() }
        return AttachmentFiles.sweep(folder: attachmentFolder, referenced: referenced)
    }
}
