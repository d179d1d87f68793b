import Crypto
import DepotCore
import Foundation
import GRDB
import ZIPFoundation

/// What `exportCustomer` wrote: the files in the ZIP, with their rows and hashes (the ZIP's `manifest.json`).
public struct CustomerExport: Sendable, Encodable {
    public struct File: Sendable, Encodable {
        public let path: String
        public let rows: Int?
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
    /// The contacts erased: their pseudonymous e-mail addresses now.
    public let contacts: [String]
    /// Text cells rewritten across the database (case texts, timelines, the audit log, notifications).
    public let cellsRewritten: Int
}

extension DepotDatabase {
    /// The tables of a customer's export, each as the SQL that selects the customer's rows (`?` is the customer's id).
    private static let exportTables: [(name: String, sql: String)] = [
        ("customer", "SELECT * FROM customer WHERE id = ?1"),
        ("sites", "SELECT * FROM site WHERE customer_id = ?1 ORDER BY key"),
        ("contracts", "SELECT * FROM contract WHERE customer_id = ?1 ORDER BY key"),
        ("contacts", "SELECT * FROM contact WHERE customer_id = ?1 ORDER BY email"),
        ("units", """
            SELECT a.*, m.key AS model FROM appliance a JOIN model m ON m.id = a.model_id
            WHERE a.customer_id = ?1
               OR a.id IN (SELECT appliance_id FROM support_case WHERE customer_id = ?1)
               OR a.id IN (SELECT r.appliance_id FROM rma r JOIN support_case k ON k.id = r.case_id WHERE k.customer_id = ?1)
               OR a.id IN (SELECT r.replacement_id FROM rma r JOIN support_case k ON k.id = r.case_id WHERE k.customer_id = ?1)
            ORDER BY a.serial
            """),
        ("cases", "SELECT * FROM support_case WHERE customer_id = ?1 ORDER BY id"),
        ("case-timelines", """
            SELECT k.number AS "case", e.* FROM case_event e JOIN support_case k ON k.id = e.case_id WHERE k.customer_id = ?1 ORDER BY e.case_id, e.at, e.id
            """),
        ("case-escalations", """
            SELECT k.number AS "case", e.* FROM case_escalation e JOIN support_case k ON k.id = e.case_id WHERE k.customer_id = ?1 ORDER BY e.case_id, e.target
            """),
        ("case-waits", """
            SELECT k.number AS "case", p.* FROM case_pause p JOIN support_case k ON k.id = p.case_id WHERE k.customer_id = ?1 ORDER BY p.case_id, p.started_at
            """),
        ("diagnoses", """
            SELECT k.number AS "case", d.* FROM diagnosis d JOIN support_case k ON k.id = d.case_id WHERE k.customer_id = ?1 ORDER BY d.id
            """),
        ("rmas", "SELECT r.* FROM rma r JOIN support_case k ON k.id = r.case_id WHERE k.customer_id = ?1 ORDER BY r.id"),
        ("rma-history", """
            SELECT r.number AS rma, e.* FROM rma_event e JOIN rma r ON r.id = e.rma_id JOIN support_case k ON k.id = r.case_id
            WHERE k.customer_id = ?1 ORDER BY e.rma_id, e.id
            """),
        ("attachments", """
            SELECT k.number AS "case", t.* FROM attachment t JOIN support_case k ON k.id = t.case_id WHERE k.customer_id = ?1 ORDER BY t.id
            """),
        ("notifications", "SELECT id, event, target, subject, payload, state, created_at, delivered_at FROM notification WHERE customer_id = ?1 ORDER BY id"),
    ]

    /// Writes everything Depot holds about a customer into one ZIP at `path`: each table of the customer's rows as
    /// JSON and as CSV, the audit entries about any of them, the attachments still held (under `attachments/`), and
    /// `manifest.json` listing every file with its rows and SHA-256. The ZIP is written beside `path` and renamed
    /// when complete. The export itself is audited.
    public func exportCustomer(_ key: String, to path: String, at: Instant, actor: Actor) throws(DepotError) -> CustomerExport {
        try actor.require(.handleCustomerData)
        var files: [(path: String, rows: Int?, data: Data)] = []
        let customerKey: String = try read { db in
            let customer = try Lookup.customer(db, key: key)
            let id: Int64 = customer["id"]
            var keys: Set<String> = [customer["key"]]
            for table in Self.exportTables {
                let rows = try Row.fetchAll(db, sql: table.sql, arguments: [id])
                files.append(("\(table.name).json", rows.count, Self.json(rows)))
                files.append(("\(table.name).csv", rows.count, Self.csv(rows)))
                for row in rows {
                    for column in ["key", "email", "serial", "number"] {
                        if let value = row[column] as String? { keys.insert(value) }
                    }
                    if table.name == "attachments", let attachmentID = row["id"] as Int64? { keys.insert(String(attachmentID)) }
                }
            }
            // The audit entries about any of the customer's records (by their keys), oldest first.
            let audit = try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id").filter { keys.contains($0["entity_key"] as String) }
            files.append(("audit.json", audit.count, Self.json(audit)))
            files.append(("audit.csv", audit.count, Self.csv(audit)))
            return customer["key"]
        }
        for attachment in try attachments(ofCustomer: customerKey) {
            files.append(("attachments/\(attachment.id)-\(Self.safeEntryName(attachment.name))", nil, try attachmentContent(attachment)))
        }
        let export = CustomerExport(
            customer: customerKey, exportedAt: at, exportedBy: actor.user,
            files: files.map { .init(path: $0.path, rows: $0.rows, bytes: $0.data.count, sha256: Hex.lowercase(SHA256.hash(data: $0.data))) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifest = (try? encoder.encode(export)) ?? Data()

        let temporary = path + ".partial-\(getpid())"
        unlink(temporary)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
            for file in [("manifest.json", nil, manifest)] + files {
                let data = file.2
                try archive.addEntry(with: "\(customerKey)/\(file.0)", type: .file, uncompressedSize: Int64(data.count), modificationDate: at.date,
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
        } catch {
            unlink(temporary)
            throw .storage(path: path, message: "cannot write the ZIP: \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .storage(path: path, message: "cannot replace the file: \(reason)")
        }
        let recordedAt = now()
        try write { db in
            try AuditLog.record(db, actor: actor, at: at, recordedAt: recordedAt, action: "export", entity: "customer", key: customerKey,
                                details: ["files": String(files.count + 1)])
        }
        return export
    }

    /// The attachments of every case of a customer.
    func attachments(ofCustomer key: String) throws(DepotError) -> [CaseAttachment] {
        let numbers = try read { db in
            try String.fetchAll(db, sql: "SELECT k.number FROM support_case k JOIN customer c ON c.id = k.customer_id WHERE c.key = ? ORDER BY k.id",
                                arguments: [key])
        }
        var all: [CaseAttachment] = []
        for number in numbers { all += try attachments(of: number) }
        return all
    }

    /// Replaces the personal data of a customer's contacts (all, or the one with `email`) with stable pseudonyms:
    /// the name becomes `Erased contact N` and the address `erased-contact-N@erased.invalid` (N is the contact's
    /// row id, so the same contact always gets the same pseudonym), and every text cell in the database that holds
    /// the old name or address (case titles and descriptions, timelines, the audit log's details, notification
    /// payloads) has it replaced; the descriptions of the cases the contacts reported, their free text, are erased.
    /// Units, cases, RMAs and their dates, so every report figure, stay as they were. The audit log is append-only,
    /// except for this rewrite, which is itself audited without the personal data.
    public func eraseContacts(of customer: String, contact email: String?, at: Instant, actor: Actor) throws(DepotError) -> ContactErasure {
        try actor.require(.handleCustomerData)
        let recordedAt = now()
        return try write { db in
            let customerRow = try Lookup.customer(db, key: customer)
            let customerKey: String = customerRow["key"]
            var contacts = try Row.fetchAll(db, sql: "SELECT id, email, name FROM contact WHERE customer_id = ? ORDER BY id", arguments: [customerRow["id"]])
            if let email {
                contacts = contacts.filter { ($0["email"] as String).lowercased() == email.trimmingSpaces().lowercased() }
                guard !contacts.isEmpty else { throw DepotError.notFound(kind: "contact of \(customerKey)", key: email) }
            }
            // Every text column of every table: where personal data may have been copied.
            var textColumns: [(table: String, column: String)] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'") {
                for column in try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
                where (column["type"] as String).uppercased().contains("TEXT") {
                    textColumns.append((table, column["name"]))
                }
            }
            try db.execute(sql: "DROP TRIGGER audit_no_update")
            var cells = 0
            var pseudonyms: [String] = []
            for contact in contacts {
                let id: Int64 = contact["id"]
                let oldEmail: String = contact["email"]
                let oldName: String = contact["name"]
                let newEmail = "erased-contact-\(id)@erased.invalid"
                let newName = "Erased contact \(id)"
                pseudonyms.append(newEmail)
                if oldEmail == newEmail { continue }  // erased before
                // The free text of the cases this contact reported.
                try db.execute(sql: "UPDATE support_case SET description = '[erased]' WHERE contact_id = ? AND description <> ''", arguments: [id])
                cells += db.changesCount
                try db.execute(sql: "UPDATE contact SET email = ?, name = ? WHERE id = ?", arguments: [newEmail, newName, id])
                for (old, new) in [(oldEmail, newEmail), (oldName, newName)] where !old.trimmingSpaces().isEmpty {
                    for (table, column) in textColumns {
                        try db.execute(sql: "UPDATE \"\(table)\" SET \"\(column)\" = replace(\"\(column)\", ?, ?) WHERE instr(\"\(column)\", ?) > 0",
                                       arguments: [old, new, old])
                        cells += db.changesCount
                    }
                }
            }
            try db.execute(sql: "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
            try AuditLog.record(db, actor: actor, at: at, recordedAt: recordedAt, action: "erase-contacts", entity: "customer", key: customerKey,
                                details: ["contacts": pseudonyms.joined(separator: " "), "cells": String(cells)])
            return ContactErasure(contacts: pseudonyms, cellsRewritten: cells)
        }
    }

    /// A file name safe as a ZIP entry's last part (the stored name is a user's: no separators, no control characters).
    static func safeEntryName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0 == "/" || $0 == "\\" || $0.value < 0x20 ? "_" : Character($0) })
    }

    static func json(_ rows: [Row]) -> Data {
        let objects: [[String: Any]] = rows.map { row in
            var object: [String: Any] = [:]
            for (column, value) in row {
                switch value.storage {
                case .null: object[column] = NSNull()
                case .int64(let n): object[column] = n
                case .double(let d): object[column] = d
                case .string, .blob: object[column] = text(value)
                }
            }
            return object
        }
        return (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
    }

    static func csv(_ rows: [Row]) -> Data {
        guard let first = rows.first else { return Data() }
        var out = CSVField.record(Array(first.columnNames))
        for row in rows { out += CSVField.record(row.map { text($0.1) }) }
        return Data(out.utf8)
    }

    /// A value as text: empty for NULL, blobs in base64.
    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: ""
        case .int64(let n): String(n)
        case .double(let d): String(d)
        case .string(let s): s
        case .blob(let b): b.base64EncodedString()
        }
    }
}
