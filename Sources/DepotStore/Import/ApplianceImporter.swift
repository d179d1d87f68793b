import DepotCore
import Foundation
import GRDB
import GRDBSQLite

/// Imports appliances: the one file that reaches millions of rows. Two threads share the work: a reading
/// thread parses the CSV and validates each row against the parents (models, customers, sites, depots,
/// releases, read once into memory), and the database thread inserts the prepared rows with a prepared
/// INSERT bound through `sqlite3_bind_*`. Batches pass through a bounded channel, so memory stays flat.
/// A serial that already exists falls back to read-merge-update: held before the import, it is an
/// update; inserted by an earlier row of the same file, it is a duplicate.
enum ApplianceImport {
    /// Rows per batch handed from the reading thread to the database thread.
    static let batchSize = 2048

    static func run(
        _ reader: CSVReader<FileByteSource>, header: ImportHeader, db: any SQLConnection, policy: Policy,
        log: inout ProblemLog, counts: inout ImportCounts, size: Int?, progress: ImportProgress?
    ) throws {
        let grdb = (db as? GRDBConnection)?.grdb
        let parser = try ApplianceRowParser(db: db, header: header)
        let bulk = try BulkLoad(db, fileSize: size)
        var writer = try ApplianceWriter(db: db, models: parser.modelMonths)
        let channel = BoundedQueue<ImportMessage<PreparedAppliance>>(capacity: 4)
        let handOver = ThreadTransfer(reader)
        let (file, limit, fieldCount) = (log.file, log.limit, header.count)
        let done = DispatchSemaphore(value: 0)

        let thread = Thread {
            defer { done.signal() }
            let reader = handOver.value
            var parser = parser
            var parserLog = ProblemLog(file: file, limit: limit)
            var tally = ImportTally()
            var batch: [PreparedAppliance] = []
            batch.reserveCapacity(batchSize)
            var rows = 0
            do {
                while try reader.next() {
                    rows += 1
                    guard reader.fieldCount == fieldCount else {
                        parserLog.add(
                            line: reader.line, column: nil,
                            "\(reader.fieldCount) field\(reader.fieldCount == 1 ? "" : "s"), the header has \(fieldCount)")
                        continue
                    }
                    let line = reader.line
                    if let row = reader.withRecord({ parser.prepare($0, line: line, log: &parserLog) }) {
                        tally.add(row)
                        batch.append(row)
                    }
                    if batch.count == batchSize {
                        do { try channel.send(.rows(batch, bytesRead: reader.bytesConsumed)) } catch { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            } catch let DepotError.invalidFile(_, line, message) {
                parserLog.add(line: line, column: nil, message)
            } catch {
                parserLog.add(line: reader.line, column: nil, "cannot read on: \(error)")
            }
            if !batch.isEmpty { try? channel.send(.rows(batch, bytesRead: reader.bytesConsumed)) }
            try? channel.send(.end(rows: rows, log: parserLog, tally: tally))
        }
        thread.stackSize = 1 << 20
        thread.start()
        // Whatever happens here, the reading thread stops and is gone before the file closes.
        defer {
            channel.cancel()
            done.wait()
        }

        var writerLog = ProblemLog(file: file, limit: limit)
        var tally = ImportTally()
        receiving: while true {
            switch try channel.receive() {
            case nil:
                break receiving  // never: the reading thread ends with `.end` unless cancelled
            case let .rows(rows, bytesRead)?:
                try writer.write(rows, db: db, log: &writerLog, counts: &counts)
                progress?(bytesRead, size)
            case let .end(rows, parserLog, counted)?:
                counts.rows = rows
                log = parserLog.merged(with: writerLog)
                tally = counted
                break receiving
            }
        }
        tally.merge(writer.notInserted)
        try bulk.finish(db, grdb: grdb, tally: tally, added: counts.added)
    }
}

/// What an appliance import sets aside for its load and puts back afterwards, in its transaction (any error rolls
/// the whole import back, what was set aside with it).
private struct BulkLoad {
    /// A load larger than the fleet it joins builds the customer index once afterwards (a sorted build) instead of
    /// inserting into it row by row at random places, as databases' own bulk loaders do. Measured in
    /// docs/performance.md.
    let rebuildIndex: Bool
    /// Loads that add at least this many units renew PostgreSQL's statistics of the tables they filled.
    static let analyzeFromRows = 10_000

    init(_ db: any SQLConnection, fileSize: Int?) throws {
        let existing = try db.value(Int.self, "SELECT coalesce(max(id), 0) FROM appliance") ?? 0
        let estimatedRows = (fileSize ?? 0) / ApplianceIndexes.bytesPerRow
        rebuildIndex = estimatedRows >= ApplianceIndexes.rebuildFromRows && estimatedRows > existing
        if rebuildIndex { try db.execute("DROP INDEX IF EXISTS appliance_customer") }
        // The tallies' insert trigger would cost more than the insert itself: the import counts instead. (PostgreSQL's
        // trigger reads the transaction's depot.bulk_load setting: nothing to drop there.)
        switch db.dialect {
        case .sqlite: try db.execute("DROP TRIGGER IF EXISTS appliance_tally_insert")
        case .postgres: try db.execute("SET LOCAL depot.bulk_load = 'on'")
        }
    }

    /// Adds what the load inserted to the tallies, and puts the trigger and the index back.
    func finish(_ db: any SQLConnection, grdb: Database?, tally: ImportTally, added: Int) throws {
        if let grdb {
            try tally.flush(grdb)
            try db.execute(Tallies.insertTriggerSQL)
        } else if let postgres = db as? PGConnection {
            try tally.flush(postgres: postgres)
            try db.execute("SET LOCAL depot.bulk_load = 'off'")
            // PostgreSQL plans by statistics that autovacuum renews only later: after a large load a fresh fleet's
            // tables looked empty to the planner (the logistics page took 0.3 s instead of 10 ms). ANALYZE samples
            // the rows this transaction inserted; for a role that does not own the tables it warns and skips.
            if added >= Self.analyzeFromRows { try db.execute("ANALYZE appliance, unit_tally, warranty_tally") }
        }
        if rebuildIndex { try db.execute(ApplianceIndexes.customerIndexSQL) }
    }
}

/// The appliance index an import may rebuild instead of maintaining (`Schema.v9` creates it the same way).
enum ApplianceIndexes {
    static let customerIndexSQL =
        "CREATE INDEX IF NOT EXISTS appliance_customer ON appliance(customer_id) WHERE customer_id IS NOT NULL"
    /// Loads of at least this many rows (estimated from the file's size) rebuild it.
    static let rebuildFromRows = 50_000
    /// A short appliance row of a CSV file, for the estimate.
    static let bytesPerRow = 48
}

/// Moves a value to another thread; the sending thread does not touch it afterwards.
private final class ThreadTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// What the reading thread sends.
enum ImportMessage<Row: Sendable>: Sendable {
    case rows([Row], bytesRead: Int)
    case end(rows: Int, log: ProblemLog, tally: ImportTally)
}
