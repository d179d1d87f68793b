import DepotCore

extension DepotDatabase {
    /// The page cache of an import, in KiB (SQLite's default is 2000).
    static let importCacheKiB = 24_576

    /// Imports one CSV file of `entity` in one transaction: every row valid, or nothing changes and the
    /// error lists the bad rows (up to `problemLimit`, with a count of the rest). A row whose key exists
    /// updates that record; columns the file leaves out keep their values. One audit entry records the import.
    public func importFile(
        _ entity: ImportEntity, path: String, actor: ActingUser, at: Instant,
        problemLimit: Int = 50, progress: ImportProgress? = nil
    ) throws(DepotError) -> ImportSummary {
        try actor.require(.importData)
        let source = try FileByteSource(path: path)
        defer { source.close() }
        let size = source.size
        let reader = CSVReader(source: source, file: path)
        guard try reader.next() else {
            throw .invalidFile(file: path, line: 1, message: "the file is empty; a header row naming the columns is required")
        }
        let header = try ImportHeader(reader: reader, entity: entity, file: path)
        let policy = policy
        let recordedAt = now()
        let body: (any SQLConnection) throws -> ImportSummary = { db in
            // A large import touches index pages all over; a bigger page cache keeps them in memory
            // instead of spilling them to the WAL and reading them back (measured: 3x faster at 1M rows).
            let sqlite = db.dialect == .sqlite
            if sqlite { try db.execute("PRAGMA cache_size = -\(Self.importCacheKiB)") }
            defer { if sqlite { _ = try? db.execute("PRAGMA cache_size = -2000") } }
            var log = ProblemLog(file: path, limit: problemLimit)
            var counts = ImportCounts()
            do {
                // Each importer runs in its own specialised loop: no dynamic dispatch per row.
                if entity == .appliances {
                    try ApplianceImport.run(
                        reader, header: header, db: db, policy: policy, log: &log, counts: &counts, size: size,
                        progress: progress)
                } else {
                    var importer = try SmallEntityImporter(entity: entity, db: db, policy: policy, at: at)
                    try Self.importRows(
                        reader, header: header, importer: &importer, db: db, log: &log, counts: &counts, size: size, progress: progress)
                }
            } catch let DepotError.invalidFile(_, line, message) {
                log.add(line: line, column: nil, message)
                throw log.error
            }
            progress?(size ?? 0, size)
            guard log.isEmpty else { throw log.error }
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "import", entity: entity.noun, key: path, customerID: nil,
                details: [
                    "file": path, "rows": "\(counts.rows)", "added": "\(counts.added)", "updated": "\(counts.updated)",
                    "unchanged": "\(counts.unchanged)",
                ])
            return ImportSummary(
                entity: entity, file: path, rows: counts.rows, added: counts.added, updated: counts.updated,
                unchanged: counts.unchanged)
        }
        return entity == .appliances ? try writeTrustingReferences(body) : try write(body)
    }
}

/// Rows read and what they did.
struct ImportCounts {
    var rows = 0, added = 0, updated = 0, unchanged = 0
}

extension DepotDatabase {
    static func importRows<I: RowImporter>(
        _ reader: CSVReader<FileByteSource>, header: ImportHeader, importer: inout I, db: any SQLConnection,
        log: inout ProblemLog, counts: inout ImportCounts, size: Int?, progress: ImportProgress?
    ) throws {
        while try reader.next() {
            counts.rows += 1
            if counts.rows & 4095 == 0 { progress?(reader.bytesConsumed, size) }
            guard reader.fieldCount == header.count else {
                log.add(
                    line: reader.line, column: nil,
                    "\(reader.fieldCount) field\(reader.fieldCount == 1 ? "" : "s"), the header has \(header.count)")
                continue
            }
            switch try importer.importRow(reader: reader, header: header, db: db, log: &log) {
            case .added?: counts.added += 1
            case .updated?: counts.updated += 1
            case .unchanged?: counts.unchanged += 1
            case nil: break
            }
        }
        try importer.finish(db: db, log: &log)
    }
}

/// The header row: column names to positions, checked against the entity's columns.
struct ImportHeader: Sendable {
    let positions: [String: Int]
    let count: Int

    init<S>(reader: CSVReader<S>, entity: ImportEntity, file: String) throws(DepotError) {
        var positions: [String: Int] = [:]
        for index in 0..<reader.fieldCount {
            let name = reader.field(index).trimmingSpaces().lowercased()
            guard entity.columns.contains(name) else {
                throw .invalidFile(
                    file: file, line: reader.line,
                    message:
                        "unknown column \"\(name)\" for \(entity.rawValue) (columns: \(entity.columns.joined(separator: ",")))")
            }
            guard positions[name] == nil else {
                throw .invalidFile(file: file, line: reader.line, message: "column \"\(name)\" appears twice")
            }
            positions[name] = index
        }
        guard positions[entity.key] != nil else {
            throw .invalidFile(file: file, line: reader.line, message: "the key column \"\(entity.key)\" is missing")
        }
        self.positions = positions
        count = reader.fieldCount
    }
}

/// One data row, read by column name.
struct ImportRow {
    let line: Int
    private let values: [String: String]

    init<S>(reader: CSVReader<S>, header: ImportHeader) {
        line = reader.line
        var values: [String: String] = [:]
        for (name, index) in header.positions { values[name] = reader.field(index).trimmingSpaces() }
        self.values = values
    }

    /// The trimmed value of `column`, or `nil` when the file has no such column.
    subscript(_ column: String) -> String? { values[column] }

    /// Whether the file has `column`.
    func has(_ column: String) -> Bool { values[column] != nil }
}

/// The bad rows of one import, up to a limit.
struct ProblemLog: Sendable {
    let file: String
    let limit: Int
    private(set) var problems: [ImportProblem] = []
    private(set) var more = 0

    init(file: String, limit: Int) {
        self.file = file
        self.limit = limit
    }

    var isEmpty: Bool { problems.isEmpty && more == 0 }

    mutating func add(line: Int, column: String?, _ message: String) {
        if problems.count < limit { problems.append(ImportProblem(line: line, column: column, message: message)) } else { more += 1 }
    }

    var error: DepotError { .invalidImport(file: file, problems: problems, more: more) }

    /// This log and `other` as one: the first `limit` problems by line, and a count of the rest.
    func merged(with other: ProblemLog) -> ProblemLog {
        var merged = ProblemLog(file: file, limit: limit)
        let all = (problems + other.problems).sorted { $0.line < $1.line }
        merged.problems = Array(all.prefix(limit))
        merged.more = more + other.more + all.count - merged.problems.count
        return merged
    }
}

/// What one row did.
enum RowOutcome { case added, updated, unchanged }

/// Imports the rows of one entity; `nil` from `importRow` means the row was bad (and logged).
protocol RowImporter {
    mutating func importRow(reader: CSVReader<FileByteSource>, header: ImportHeader, db: any SQLConnection, log: inout ProblemLog) throws
        -> RowOutcome?
    /// Checks that need the whole file (successors named later, caps on designated contacts).
    mutating func finish(db: any SQLConnection, log: inout ProblemLog) throws
}

/// Why a cell's value is wrong.
struct CellProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Parsers of cell values, each returning the value or the reason it is wrong.
enum Cell {
    static func date(_ text: String) -> Result<LocalDate, CellProblem> {
        LocalDate(iso: text).map(Result.success) ?? .failure(CellProblem("\"\(text)\" is not a date (YYYY-MM-DD)"))
    }

    static func bool(_ text: String) -> Result<Bool, CellProblem> {
        switch text.lowercased() {
        case "yes", "true", "1", "y": .success(true)
        case "no", "false", "0", "n", "": .success(false)
        default: .failure(CellProblem("\"\(text)\" is not yes or no"))
        }
    }

    static func integer(_ text: String, _ range: ClosedRange<Int>) -> Result<Int, CellProblem> {
        guard let value = Int(text), range.contains(value) else {
            return .failure(CellProblem("\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)"))
        }
        return .success(value)
    }

    static func region(_ text: String, policy: Policy) -> Result<String, CellProblem> {
        policy.regions.contains { $0.id == text }
            ? .success(text)
            : .failure(CellProblem("unknown region \"\(text)\" (the policy defines: \(policy.regions.map(\.id).joined(separator: ", ")))"))
    }
}
