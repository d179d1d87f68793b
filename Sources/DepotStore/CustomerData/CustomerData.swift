import Crypto
import DepotCore
import Foundation
import ZIPFoundation

/// What `exportCustomer` wrote: the files in the ZIP, with their rows and hashes (the ZIP's `manifest.json`).
public struct CustomerExport: Sendable, Encodable {
    public struct File: Sendable, Encodable {
        public let path: String
        @NullEncodable public private(set) var rows: Int?
        public let bytes: Int
        public let sha256: String
    }

    public let customer: String
    public let exportedAt: Instant
    public let exportedBy: String
    public let files: [File]
}

/// What `eraseContacts` changed.
public struct ContactErasure: Sendable, Encodable, Equatable {
    /// Cells of one column that changed.
    public struct Change: Sendable, Encodable, Equatable {
        public let table: String
        public let column: String
        public let cells: Int
    }

    /// The contacts erased: their pseudonymous e-mail addresses now.
    public let contacts: [String]
    /// Cells rewritten, all of them the erased customer's (its contacts, case texts, timelines, audit entries,
    /// notifications).
    public let cellsRewritten: Int
    /// Where: per table and column, in the order erasure went through them.
    public let changes: [Change]
}

extension DepotDatabase {
    /// The tables of a customer's export, each as the SQL that selects the customer's rows (`?` is the customer's id).
    private static let exportTables: [(name: String, sql: String)] = [
        // Whether the customer has an after-hours PIN and since when; never its hash.
        (
            "customer",
            "SELECT id, key, name, region, account_manager, tam, pin_hash IS NOT NULL AS pin_set, pin_rotated_at FROM customer WHERE id = ?1"
        ),
        ("sites", "SELECT * FROM site WHERE customer_id = ?1 ORDER BY key"),
        ("contracts", "SELECT * FROM contract WHERE customer_id = ?1 ORDER BY key"),
        ("contacts", "SELECT * FROM contact WHERE customer_id = ?1 ORDER BY email"),
        // The customer's units, and the units its cases and RMAs touched that are elsewhere now: of those only what
        // identifies them (where they are now, and since when, is another customer's or the vendor's business).
        (
            "units",
            """
            SELECT a.id, a.serial, a.model_id, \(ownOnly("a.customer_id")), \(ownOnly("a.site_id")), \(ownOnly("a.depot_id")),
                   \(ownOnly("a.ship_date")), \(ownOnly("a.warranty_end")), \(ownOnly("a.replacement_warranty")),
                   \(ownOnly("a.software_version")), \(ownOnly("a.status")), \(ownOnly("a.replaces_id")), \(ownOnly("a.replaced_by_id")),
                   m.key AS model, a.customer_id IS NOT DISTINCT FROM ?1 AS at_customer
            FROM appliance a JOIN model m ON m.id = a.model_id
            WHERE a.customer_id = ?1
               OR a.id IN (SELECT appliance_id FROM support_case WHERE customer_id = ?1)
               OR a.id IN (SELECT appliance_id FROM rma WHERE customer_id = ?1)
               OR a.id IN (SELECT replacement_id FROM rma WHERE customer_id = ?1)
            ORDER BY a.serial
            """
        ),
        ("cases", "SELECT * FROM support_case WHERE customer_id = ?1 ORDER BY id"),
        (
            "case-timelines",
            """
            SELECT k.number AS "case", e.* FROM case_event e JOIN support_case k ON k.id = e.case_id WHERE k.customer_id = ?1 ORDER BY e.case_id, e.at, e.id
            """
        ),
        (
            "case-escalations",
            """
            SELECT k.number AS "case", e.* FROM case_escalation e JOIN support_case k ON k.id = e.case_id WHERE k.customer_id = ?1 ORDER BY e.case_id, e.target
            """
        ),
        (
            "case-waits",
            """
            SELECT k.number AS "case", p.* FROM case_pause p JOIN support_case k ON k.id = p.case_id WHERE k.customer_id = ?1 ORDER BY p.case_id, p.started_at
            """
        ),
        (
            "diagnoses",
            """
            SELECT k.number AS "case", d.* FROM diagnosis d JOIN support_case k ON k.id = d.case_id WHERE k.customer_id = ?1 ORDER BY d.id
            """
        ),
        (
            "case-escalation-requests",
            """
            SELECT k.number AS "case", e.* FROM customer_escalation e JOIN support_case k ON k.id = e.case_id WHERE k.customer_id = ?1 ORDER BY e.id
            """
        ),
        // The survey of each closed case that was sampled: who was asked, the answer; never the link's token.
        (
            "surveys",
            """
            SELECT k.number AS "case", s.id, s.contact_id, s.invited_at, s.expires_at, s.answered_at, s.score, s.comment
            FROM survey_invitation s JOIN support_case k ON k.id = s.case_id WHERE s.customer_id = ?1 ORDER BY s.id
            """
        ),
        ("rmas", "SELECT r.* FROM rma r WHERE r.customer_id = ?1 ORDER BY r.id"),
        (
            "rma-history",
            """
            SELECT r.number AS rma, e.* FROM rma_event e JOIN rma r ON r.id = e.rma_id WHERE r.customer_id = ?1 ORDER BY e.rma_id, e.id
            """
        ),
        (
            "attachments",
            """
            SELECT k.number AS "case", t.* FROM attachment t JOIN support_case k ON k.id = t.case_id WHERE k.customer_id = ?1 ORDER BY t.id
            """
        ),
        (
            "notifications",
            "SELECT id, event, target, subject, payload, state, created_at, delivered_at FROM notification WHERE customer_id = ?1 ORDER BY id"
        ),
        // The audit entries about the customer's records: each names its customer (never matched by key alone, which
        // a contract, a unit and a site of different customers may share).
        ("audit", "SELECT * FROM audit WHERE customer_id = ?1 ORDER BY id"),
    ]

    /// A unit's column in the export, only while the unit is at the customer (`?1`).
    private static func ownOnly(_ column: String) -> String {
        "CASE WHEN a.customer_id = ?1 THEN \(column) END AS \(column.dropFirst(2))"
    }

    /// Writes everything Depot holds about a customer into one ZIP at `path`: each table of the customer's rows as
    /// JSON and as CSV, the audit entries about any of them, the attachments still held (under `attachments/`), and
    /// `manifest.json` listing every file with its rows and SHA-256. The ZIP is written beside `path` and renamed
    /// when complete. The export itself is audited.
    public func exportCustomer(_ key: String, to path: String, at: Instant, actor: ActingUser) throws(DepotError) -> CustomerExport {
        try actor.require(.handleCustomerData)
        var files: [(path: String, rows: Int?, data: Data)] = []
        let customerKey: String = try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let id = customer.id
            for table in Self.exportTables {
                let rows = try db.table(table.sql, [id])
                files.append(("\(table.name).json", rows.rows.count, Self.json(rows)))
                files.append(("\(table.name).csv", rows.rows.count, Self.csv(rows)))
            }
            return customer.key
        }
        for attachment in try attachments(ofCustomer: customerKey) {
            files.append(("attachments/\(attachment.id)-\(Self.safeEntryName(attachment.name))", nil, try attachmentContent(attachment)))
        }
        let export = CustomerExport(
            customer: customerKey, exportedAt: at, exportedBy: actor.user,
            files: files.map {
                .init(path: $0.path, rows: $0.rows, bytes: $0.data.count, sha256: Hex.lowercase(SHA256.hash(data: $0.data)))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifest = (try? encoder.encode(export)) ?? Data()

        do {
            try AtomicFile.write(path) { temporary in
                unlink(temporary)
                let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
                for file in [("manifest.json", nil, manifest)] + files {
                    let data = file.2
                    try archive.addEntry(
                        with: "\(customerKey)/\(file.0)", type: .file, uncompressedSize: Int64(data.count), modificationDate: at.date,
                        compressionMethod: .deflate
                    ) { position, size in
                        data.subdata(in: Int(position)..<Int(position) + size)
                    }
                }
            }
        } catch let error as DepotError {
            throw error
        } catch {
            var isDirectory: ObjCBool = false
            let folder = (path as NSString).deletingLastPathComponent
            let exists =
                FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory) && isDirectory.boolValue
            throw .storage(
                path: path,
                message: exists
                    ? "cannot write the ZIP: \(error.localizedDescription)" : "cannot write the ZIP: the folder \(folder) does not exist")
        }
        let recordedAt = now()
        try write { db in
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "export", entity: "customer", key: customerKey,
                customerID: try FindRecord.customer(db, key: customerKey).id, details: ["files": String(files.count + 1)])
        }
        return export
    }

    /// The attachments of every case of a customer.
    func attachments(ofCustomer key: String) throws(DepotError) -> [CaseAttachment] {
        let numbers = try read { db in
            try db.rows(
                "SELECT k.number FROM support_case k JOIN customer c ON c.id = k.customer_id WHERE c.key = ? ORDER BY k.id", [key],
                source: "query"
            ).map { row throws(DepotError) -> CaseNumber in try row.decode("number", from: "support_case") }
        }
        var all: [CaseAttachment] = []
        for number in numbers { all += try attachments(of: number) }
        return all
    }

    /// Every text column erasure knows about: those it searches and those that hold no personal data (a test keeps
    /// this equal to the schema's, so a new column is a decision, not an oversight).
    public static var erasureColumns: [String] { erasableText.map { "\($0.table).\($0.column)" } + notPersonal.sorted() }

    /// Replaces the personal data of a customer's contacts (all, or the one with `email`) with stable pseudonyms:
    /// the contact's name becomes `Erased contact N` and its address `erased-contact-N@erased.invalid` (N is the
    /// contact's row id, so the same contact always gets the same pseudonym); the descriptions of the cases it
    /// reported, their free text, are erased; and where the customer's own free text (case titles, timelines,
    /// diagnoses, RMA notes, its notifications and the audit entries about its records) names the contact, whole
    /// words only are replaced (`Ann`, never `Annual`). Nothing of another customer is read or changed (SPEC.md 6).
    /// Units, cases, RMAs and their dates, so every report figure, stay as they were. The audit log is append-only
    /// except for this rewrite of the customer's own entries, which is itself audited without the personal data.
    public func eraseContacts(of customer: String, contact email: String?, at: Instant, actor: ActingUser) throws(DepotError)
        -> ContactErasure
    {
        try actor.require(.handleCustomerData)
        let recordedAt = now()
        return try write { db in
            let customerRow = try FindRecord.customer(db, key: customer)
            let customerKey = customerRow.key
            let customerID = customerRow.id
            var contacts = try db.fetchAll(
                ContactRecord.self, "SELECT * FROM contact WHERE customer_id = ? ORDER BY id", [customerID], source: ContactRecord.table)
            if let email {
                contacts = contacts.filter { $0.email.lowercased() == email.trimmingSpaces().lowercased() }
                guard !contacts.isEmpty else { throw DepotError.notFound(kind: "contact of \(customerKey)", key: email) }
            }
            // The audit log's rows may be rewritten here only: SQLite's trigger is set aside in this transaction,
            // PostgreSQL's lets the transaction that says it is erasing through.
            switch db.dialect {
            case .sqlite: try db.execute("DROP TRIGGER audit_no_update")
            case .postgres: try db.execute("SET LOCAL depot.erasing = 'on'")
            }
            var counts = RewriteCounts()
            var pseudonyms: [String] = []
            for contact in contacts {
                let (id, oldEmail, oldName) = (contact.id, contact.email, contact.name)
                let newEmail = "erased-contact-\(id)@erased.invalid"
                let newName = "Erased contact \(id)"
                pseudonyms.append(newEmail)
                if oldEmail == newEmail { continue }  // erased before
                let erased = try db.execute(
                    "UPDATE support_case SET description = '[erased]' WHERE contact_id = ? AND customer_id = ? AND description NOT IN ('', '[erased]')",
                    [id, customerID])
                counts.add("support_case", "description", erased)
                try db.execute("UPDATE contact SET email = ?, name = ? WHERE id = ?", [newEmail, newName, id])
                counts.add("contact", "email", 1)
                counts.add("contact", "name", 1)
                let words: [(old: String, new: String, kind: String)] = [(oldEmail, newEmail, "email"), (oldName, newName, "name")]
                for word in words where !word.old.trimmingSpaces().isEmpty {
                    try Self.replaceWord(db, customerID: customerID, word.old, with: word.new, kind: word.kind, counts: &counts)
                }
            }
            switch db.dialect {
            case .sqlite:
                try db.execute(
                    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
            case .postgres: try db.execute("SET LOCAL depot.erasing = 'off'")
            }
            let changes = counts.changes
            let cells = changes.reduce(0) { $0 + $1.cells }
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "erase-contacts", entity: "customer", key: customerKey,
                customerID: customerID,
                details: [
                    "contacts": pseudonyms.joined(separator: " "), "cells": String(cells),
                    "where": changes.map { "\($0.table).\($0.column)=\($0.cells)" }.joined(separator: " "),
                ])
            return ContactErasure(contacts: pseudonyms, cellsRewritten: cells, changes: changes)
        }
    }

    /// Replaces the whole word `old` by `new` in every free text of the customer's (`kind`: email or name).
    private static func replaceWord(
        _ db: any SQLConnection, customerID: Int64, _ old: String, with new: String, kind: String, counts: inout RewriteCounts
    ) throws {
        let wordKind: WholeWords.Kind = kind == "email" ? .email : .name
        for target in erasableText {
            // JSON texts (payloads, audit details): only the values of free-text fields, never keys,
            // serials, the customer's or the account manager's name.
            let column = "\"\(target.column)\""
            let found = try db.rows(
                """
                SELECT id, \(column) AS text FROM "\(target.table)"
                WHERE (\(target.scope)) AND \(db.dialect.contains("lower(\(column))", "lower(?2)")) ORDER BY id
                """, [customerID, target.json ? JSONText.escaped(old) : old], source: target.table)
            var changed = 0
            for row in found {
                let text: String = try row("text")
                let replaced =
                    target.json
                    ? replaceWordsInJSON(text, old, with: new, kind: wordKind)
                    : WholeWords.replace(in: text, old, with: new, kind: wordKind).text
                guard replaced != text else { continue }
                try db.execute("UPDATE \"\(target.table)\" SET \(column) = ? WHERE id = ?", [replaced, try row("id") as Int64])
                changed += 1
            }
            counts.add(target.table, target.column, changed)
        }
    }

    /// Cells an erasure rewrote, by table and column in the order first met.
    struct RewriteCounts {
        private var counts: [String: Int] = [:]
        private var order: [(table: String, column: String)] = []

        mutating func add(_ table: String, _ column: String, _ n: Int) {
            guard n > 0 else { return }
            let key = "\(table).\(column)"
            if counts[key] == nil { order.append((table, column)) }
            counts[key, default: 0] += n
        }

        var changes: [ContactErasure.Change] {
            order.map { ContactErasure.Change(table: $0.table, column: $0.column, cells: counts["\($0.table).\($0.column)"] ?? 0) }
        }
    }

    /// The fields of a JSON text (a notification's payload, an audit entry's details) that hold free text or a
    /// contact's identity; every other field (serials, numbers, the customer's and account manager's names) stays.
    static let freeTextFields: Set<String> = [
        "title", "description", "reason", "note", "confirmedBy", "contact", "name", "requestedBy", "contactName", "subject",
        "comment", "survey",
    ]

    /// `WholeWords.replace` in the free-text fields of a JSON object; the text unchanged (byte for byte) when none of
    /// them holds the word.
    private static func replaceWordsInJSON(_ text: String, _ word: String, with replacement: String, kind: WholeWords.Kind) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return text }
        var changed = false
        for key in object.keys where freeTextFields.contains(key) {
            guard let value = object[key] as? String else { continue }
            let result = WholeWords.replace(in: value, word, with: replacement, kind: kind)
            if result.count > 0 {
                object[key] = result.text
                changed = true
            }
        }
        guard changed, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return text
        }
        return String(decoding: data, as: UTF8.self)
    }
}
