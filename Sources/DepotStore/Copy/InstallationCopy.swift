import Crypto
import DepotCore
import Foundation

/// What `depot copy` copied: per table the rows and the checksum both databases agree on, and the attachments.
public struct CopyReport: Sendable, Encodable, Equatable {
    public struct Table: Sendable, Encodable, Equatable {
        public let name: String
        public let rows: Int
        /// SHA-256 over the table's rows in key order, each cell as the backends read it (booleans as 0/1).
        public let sha256: String
    }

    public let from: String
    public let to: String
    public let tables: [Table]
    /// Attachment contents copied into the database's chunks, each checked against its SHA-256 after the copy.
    public let attachmentContents: Int
}

extension DepotDatabase {
    /// Copies this SQLite installation (every record, the audit log, users and sessions, the outbox, attachments'
    /// content) into the empty PostgreSQL database `target`, keeping every id: in one transaction of the target,
    /// from one snapshot of this file, then counts and checksums every table on both sides and reads every
    /// attachment back, before it commits. A difference or any error leaves the target as empty as it was.
    public func copy(to target: DepotDatabase) throws(DepotError) -> CopyReport {
        guard case .sqlite = backend else {
            throw .invalidArgument(name: "--from", value: path, reason: "the copy reads an SQLite file")
        }
        guard target.isPostgres else {
            throw .invalidArgument(name: "--to", value: target.path, reason: "the copy writes into a PostgreSQL database")
        }
        guard try target.isEmpty(), try target.read({ db in try db.value(Int.self, "SELECT count(*) FROM audit") == 0 }) else {
            throw .refused(subject: target.path, reason: "already holds data; the copy goes into an empty database only")
        }
        let folder = attachmentFolder
        return try read { source in
            try target.write { destination in
                try destination.execute("SET LOCAL depot.bulk_load = 'on'")
                let tables = try InstallationCopy.tables(source, destination)
                var report: [CopyReport.Table] = []
                for table in tables {
                    try InstallationCopy.copy(table, from: source, to: destination)
                }
                for table in tables {
                    let (rows, sourceSum) = try InstallationCopy.checksum(table, source)
                    let (copied, targetSum) = try InstallationCopy.checksum(table, destination)
                    guard rows == copied, sourceSum == targetSum else {
                        throw DepotError.storage(
                            path: target.path,
                            message: "the copy of \(table.name) differs: \(rows) rows \(sourceSum), copied \(copied) rows \(targetSum)")
                    }
                    report.append(CopyReport.Table(name: table.name, rows: rows, sha256: sourceSum))
                }
                let contents = try InstallationCopy.copyAttachments(from: source, folder: folder, to: destination)
                return CopyReport(from: path, to: target.path, tables: report, attachmentContents: contents)
            }
        }
    }
}

/// How `DepotDatabase.copy(to:)` moves one table.
enum InstallationCopy {
    struct Table {
        let name: String
        let columns: [String]
        let key: [String]
        /// The target's boolean columns (SQLite holds them as 0 and 1).
        let booleans: Set<String>
        /// Columns referring to the same table (a unit to the unit it replaces): written after every row is in.
        let selfReferences: [String]
        let hasIdentity: Bool
    }

    /// The tables both databases have, parents before children, with their shared columns.
    static func tables(_ source: any SQLConnection, _ target: any SQLConnection) throws -> [Table] {
        let names = try source.values(
            String.self, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
        var parents: [String: Set<String>] = [:]
        var tables: [String: Table] = [:]
        for name in names {
            guard try target.tableExists(name) else {
                throw DepotError.storage(path: name, message: "the PostgreSQL schema has no table \(name)")
            }
            let targetColumns = Set(try target.columns(of: name))
            let columns = try source.columns(of: name)
            let missing = columns.filter { !targetColumns.contains($0) }
            guard missing.isEmpty else {
                throw DepotError.storage(path: name, message: "the PostgreSQL table \(name) lacks \(missing.joined(separator: ", "))")
            }
            let key = try source.values(String.self, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [name])
            let references = try source.rows(
                "SELECT \"table\" AS parent, \"from\" AS col FROM pragma_foreign_key_list(?)", [name], source: name)
            var selfReferences: [String] = []
            for reference in references {
                let parent: String = try reference("parent")
                if parent == name { selfReferences.append(try reference("col")) } else { parents[name, default: []].insert(parent) }
            }
            let booleans = try target.values(
                String.self,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'boolean'",
                [name])
            tables[name] = Table(
                name: name, columns: columns, key: key, booleans: Set(booleans), selfReferences: selfReferences,
                hasIdentity: key == ["id"])
        }
        // Parents first; names in order among equals, so that the order is the same on every run.
        var ordered: [Table] = []
        var done: Set<String> = []
        while ordered.count < tables.count {
            let ready = tables.keys.filter { !done.contains($0) && (parents[$0] ?? []).isSubset(of: done) }.sorted()
            guard !ready.isEmpty else { throw DepotError.storage(path: "schema", message: "the tables' references go round in a circle") }
            for name in ready {
                if let table = tables[name] { ordered.append(table) }
                done.insert(name)
            }
        }
        return ordered
    }

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static func batchRows(_ table: Table) -> Int { max(1, min(1_000, 60_000 / max(1, table.columns.count))) }

    /// Copies `table`'s rows in key order, ids kept; references to the same table afterwards.
    static func copy(_ table: Table, from source: any SQLConnection, to target: any SQLConnection) throws {
        let quoted = table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let placeholders = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        let order = table.key.map { "\"\($0)\"" }.joined(separator: ", ")
        let later = Set(table.selfReferences)
        var batch: [SQLValue] = []
        var rows = 0
        var pending: [(id: SQLValue, column: String, value: SQLValue)] = []
        func flush() throws {
            guard rows > 0 else { return }
            let values = Array(repeating: placeholders, count: rows).joined(separator: ", ")
            try target.execute("INSERT INTO \(table.name) (\(quoted)) VALUES \(values)", batch)
            batch.removeAll(keepingCapacity: true)
            rows = 0
        }
        let idIndex = table.columns.firstIndex(of: "id") ?? 0
        try source.each("SELECT \(quoted) FROM \(table.name) ORDER BY \(order)", []) { row in
            for (index, column) in table.columns.enumerated() {
                let value = Self.value(row.cell(at: index), boolean: table.booleans.contains(column))
                if later.contains(column), value != .null {
                    pending.append((Self.value(row.cell(at: idIndex), boolean: false), column, value))
                    batch.append(.null)
                } else {
                    batch.append(value)
                }
            }
            rows += 1
            if rows == batchRows(table) { try flush() }
            return true
        }
        try flush()
        for (id, column, value) in pending {
            try target.execute("UPDATE \(table.name) SET \"\(column)\" = ? WHERE id = ?", [value, id])
        }
        if table.hasIdentity {
            try target.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce((SELECT max(id) FROM \(table.name)), 0) + 1, false)", [table.name])
        }
    }

    static func value(_ cell: StoredCell, boolean: Bool) -> SQLValue {
        switch cell {
        case .null: .null
        case .integer(let value): boolean ? .boolean(value != 0) : .integer(value)
        case .real(let value): .real(value)
        case .text(let value): .text(value)
        case .blob(let value): .blob(value)
        }
    }

    /// The table's row count and a SHA-256 over its rows in key order, each cell tagged by its kind.
    static func checksum(_ table: Table, _ db: any SQLConnection) throws -> (Int, String) {
        let quoted = table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let order = table.key.map { "\"\($0)\"" }.joined(separator: ", ")
        var hasher = SHA256()
        var rows = 0
        try db.each("SELECT \(quoted) FROM \(table.name) ORDER BY \(order)", []) { row in
            for index in 0..<row.columnCount {
                let cell: String =
                    switch row.cell(at: index) {
                    case .null: "n"
                    case .integer(let value): "i\(value)"
                    case .real(let value): "r\(value)"
                    case .text(let value): "t\(value.utf8.count):\(value)"
                    case .blob(let value): "b\(value.count):" + Hex.lowercase(SHA256.hash(data: value))
                    }
                hasher.update(data: Data(cell.utf8))
                hasher.update(data: Data([0x1F]))
            }
            hasher.update(data: Data([0x1E]))
            rows += 1
            return true
        }
        return (rows, Hex.lowercase(hasher.finalize()))
    }

    /// Copies the content of every attachment from the folder beside the SQLite file into chunks, each checked
    /// against its SHA-256 on the way in and read back; answers how many contents.
    static func copyAttachments(from source: any SQLConnection, folder: String, to target: any SQLConnection) throws -> Int {
        let hashes = try source.values(String.self, "SELECT DISTINCT sha256 FROM attachment ORDER BY sha256")
        for sha256 in hashes {
            let path = AttachmentFiles.location(of: sha256, in: folder).path
            guard let data = FileManager.default.contents(atPath: path), Hex.lowercase(SHA256.hash(data: data)) == sha256 else {
                throw DepotError.storage(
                    path: path, message: "the stored file of content \(sha256) is missing or does not match its SHA-256")
            }
            for (seq, start) in stride(from: 0, to: data.count, by: AttachmentChunks.chunkSize).enumerated() {
                let chunk = data.subdata(in: start..<min(start + AttachmentChunks.chunkSize, data.count))
                try AttachmentChunks.insert(chunk, sha256: sha256, seq: seq, in: target)
            }
            guard let back = try AttachmentChunks.content(target, sha256: sha256), Hex.lowercase(SHA256.hash(data: back)) == sha256 else {
                throw DepotError.storage(path: "attachment_chunk", message: "content \(sha256) does not read back as it was written")
            }
        }
        return hashes.count
    }
}
