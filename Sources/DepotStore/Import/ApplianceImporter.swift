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
        _ reader: CSVReader<FileByteSource>, header: ImportHeader, db: Database, policy: Policy,
        log: inout ProblemLog, counts: inout ImportCounts, size: Int?, progress: ImportProgress?
    ) throws {
        let parser = try ApplianceRowParser(db: db, header: header)
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
                    if let row = reader.withRecord({ parser.prepare($0, line: line, log: &parserLog) }) { batch.append(row) }
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
            try? channel.send(.end(rows: rows, log: parserLog))
        }
        thread.stackSize = 1 << 20
        thread.start()
        // Whatever happens here, the reading thread stops and is gone before the file closes.
        defer {
            channel.cancel()
            done.wait()
        }

        var writerLog = ProblemLog(file: file, limit: limit)
        receiving: while true {
            switch try channel.receive() {
            case nil:
                break receiving  // never: the reading thread ends with `.end` unless cancelled
            case let .rows(rows, bytesRead)?:
                try writer.write(rows, db: db, log: &writerLog, counts: &counts)
                progress?(bytesRead, size)
            case let .end(rows, parserLog)?:
                counts.rows = rows
                log = parserLog.merged(with: writerLog)
                break receiving
            }
        }
    }
}

/// Moves a value to another thread; the sending thread does not touch it afterwards.
private final class ThreadTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// What the reading thread sends.
enum ImportMessage<Row: Sendable>: Sendable {
    case rows([Row], bytesRead: Int)
    case end(rows: Int, log: ProblemLog)
}

/// A unit's place.
enum UnitLocation: Equatable, Sendable {
    case site(id: Int64, customer: Int64)
    case depot(Int64)
}

/// One appliance row, parsed and validated; `nil` where the file has no such column.
struct PreparedAppliance: Sendable {
    var line = 0
    var serial = ""
    var modelID: Int64?
    var location: UnitLocation?
    var shipDate: LocalDate?
    /// The ship date's text and the warranty end it gives with the model, when both are known.
    var shipDateText: String?
    var warrantyEnd: String?
    var version: String??
    var status: ApplianceStatus?
    var statusGiven = false

    /// Whether the row has everything a new unit needs.
    var isComplete: Bool { modelID != nil && shipDateText != nil && warrantyEnd != nil && location != nil }
}

/// Parses and validates appliance rows against the parents; runs on the reading thread.
struct ApplianceRowParser: Sendable {
    private struct Model: Sendable { let id: Int64; let months: Int }
    private struct Site: Sendable { let id: Int64; let customer: Int64; let customerKey: String }

    private let models: [String: Model]
    private let customers: [String: Int64]
    private let sites: [String: Site]
    private let depots: [String: Int64]
    private let versions: [String: String]
    private let column: (serial: Int?, model: Int?, customer: Int?, site: Int?, depot: Int?, shipDate: Int?, version: Int?, status: Int?)
    private var warrantyCache: [Int: String] = [:]  // (day number << 10 | months) -> warranty end text

    /// Warranty months by model id, for the update path.
    var modelMonths: [Int64: Int] { Dictionary(models.values.map { ($0.id, $0.months) }) { a, _ in a } }

    init(db: Database, header: ImportHeader) throws {
        var models: [String: Model] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, key, warranty_months FROM model") {
            models[row["key"]] = Model(id: row["id"], months: row["warranty_months"])
        }
        self.models = models
        customers = try Dictionary(Row.fetchAll(db, sql: "SELECT key, id FROM customer").map { ($0["key"], $0["id"]) }) { a, _ in a }
        var sites: [String: Site] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT s.key, s.id, s.customer_id, c.key AS customer FROM site s JOIN customer c ON c.id = s.customer_id")
        {
            sites[row["key"]] = Site(id: row["id"], customer: row["customer_id"], customerKey: row["customer"])
        }
        self.sites = sites
        depots = try Dictionary(Row.fetchAll(db, sql: "SELECT key, id FROM depot").map { ($0["key"], $0["id"]) }) { a, _ in a }
        var versions: [String: String] = [:]
        for version in try String.fetchAll(db, sql: "SELECT version FROM release") { versions[version] = version }
        self.versions = versions
        let p = header.positions
        column = (p["serial"], p["model"], p["customer"], p["site"], p["depot"], p["ship_date"], p["software_version"], p["status"])
    }

    /// A cell as text: plain ASCII without surrounding spaces is taken as it is (the common case), anything
    /// else is decoded and trimmed.
    private func text(_ record: CSVRecord, _ index: Int?) -> String? {
        guard let index else { return nil }
        let bytes = record[index]
        if let first = bytes.first, let last = bytes.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80 {
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self).trimmingSpaces()
    }

    /// The normalised serial: printable ASCII is upper-cased byte by byte; anything else goes through `Serial`.
    private func serial(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if (1...64).contains(bytes.count), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { buffer in
                for (i, b) in bytes.enumerated() { buffer[i] = b >= 0x61 && b <= 0x7A ? b - 0x20 : b }
                return String(decoding: buffer, as: UTF8.self)
            }
        }
        return Serial(String(decoding: bytes, as: UTF8.self)).map(\.text)
    }

    private mutating func warrantyEnd(_ shipDate: LocalDate, months: Int) -> String {
        let key = shipDate.dayNumber << 10 | months
        if let cached = warrantyCache[key] { return cached }
        let end = Warranty.end(shipDate: shipDate, months: months).description
        if warrantyCache.count < 100_000 { warrantyCache[key] = end }
        return end
    }

    mutating func prepare(_ record: CSVRecord, line: Int, log: inout ProblemLog) -> PreparedAppliance? {
        var row = PreparedAppliance(line: line)
        var bad = false
        func problem(_ column: String, _ message: String) {
            log.add(line: line, column: column, message)
            bad = true
        }

        guard let serialIndex = column.serial, let serial = serial(record[serialIndex]) else {
            let raw = text(record, column.serial) ?? ""
            problem("serial", raw.isEmpty ? "a value is required" : "\"\(raw)\" is not a serial number")
            return nil
        }
        row.serial = serial
        var months: Int?
        if let key = text(record, column.model) {
            if let model = models[key] {
                row.modelID = model.id
                months = model.months
            } else {
                problem("model", key.isEmpty ? "a value is required" : "unknown model \"\(key)\"")
            }
        }
        if let index = column.shipDate {
            if let date = LocalDate(isoBytes: record[index]) {
                row.shipDate = date
                row.shipDateText = String(decoding: record[index], as: UTF8.self)
                if let months { row.warrantyEnd = warrantyEnd(date, months: months) }
            } else {
                problem("ship_date", "\"\(String(decoding: record[index], as: UTF8.self))\" is not a date (YYYY-MM-DD)")
            }
        }
        let customerKey = text(record, column.customer) ?? ""
        let siteKey = text(record, column.site) ?? ""
        let depotKey = text(record, column.depot) ?? ""
        if !siteKey.isEmpty || !customerKey.isEmpty {
            if !depotKey.isEmpty {
                problem("depot", "a unit is either at a customer's site or in a depot, not both")
            } else if siteKey.isEmpty {
                problem("site", "a unit at customer \"\(customerKey)\" needs its site")
            } else if let site = sites[siteKey] {
                if !customerKey.isEmpty && customerKey != site.customerKey {
                    problem(
                        customers[customerKey] == nil ? "customer" : "site",
                        customers[customerKey] == nil
                            ? "unknown customer \"\(customerKey)\""
                            : "site \"\(siteKey)\" belongs to another customer than \"\(customerKey)\"")
                }
                row.location = .site(id: site.id, customer: site.customer)
            } else {
                problem("site", "unknown site \"\(siteKey)\"")
            }
        } else if !depotKey.isEmpty {
            if let depot = depots[depotKey] { row.location = .depot(depot) } else { problem("depot", "unknown depot \"\(depotKey)\"") }
        } else if column.site != nil || column.depot != nil || column.customer != nil {
            problem("site", "a unit needs a site (with its customer) or a depot")
        }
        if let version = text(record, column.version) {
            if version.isEmpty {
                row.version = .some(nil)
            } else if let known = versions[version] {
                row.version = .some(known)
            } else if let parsed = SoftwareVersion(version), let known = versions[parsed.description] {
                row.version = .some(known)
            } else {
                problem(
                    "software_version",
                    SoftwareVersion(version) == nil
                        ? "\"\(version)\" is not a version (MAJOR.MINOR or MAJOR.MINOR.PATCH)"
                        : "unknown software version \"\(version)\" (import it with `depot import releases` first)")
            }
        }
        if let status = text(record, column.status), !status.isEmpty {
            row.statusGiven = true
            if let parsed = ApplianceStatus(rawValue: status) ?? ApplianceStatus(rawValue: status.lowercased()) {
                row.status = parsed
            } else {
                problem("status", "unknown status \"\(status)\"")
            }
        }
        if let location = row.location, let status = row.status, !ApplianceWriter.statusFits(status, location) {
            problem("status", ApplianceWriter.statusMessage(status, location))
        }
        return bad ? nil : row
    }
}

/// Writes prepared rows; runs on the database thread inside the import's transaction.
struct ApplianceWriter {
    /// New units go in groups of this many rows per INSERT statement: SQLite's cost per statement is then
    /// paid once per group (measured: a third less time than one row per statement).
    static let groupSize = 32
    private static let columns =
        "INSERT INTO appliance (serial, model_id, customer_id, site_id, depot_id, ship_date, warranty_end, software_version, status) VALUES "
    private let insert: Statement
    private let insertGroup: Statement
    private let connection: OpaquePointer
    private let lastIDBefore: Int64
    private let modelMonths: [Int64: Int]

    init(db: Database, models: [Int64: Int]) throws {
        lastIDBefore = try Int64.fetchOne(db, sql: "SELECT max(id) FROM appliance") ?? 0
        insert = try db.makeStatement(sql: Self.columns + "(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        insertGroup = try db.makeStatement(
            sql: Self.columns + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: Self.groupSize).joined(separator: ", "))
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "no connection") }
        self.connection = connection
        modelMonths = models
    }

    static func defaultStatus(_ location: UnitLocation) -> ApplianceStatus {
        if case .depot = location { .inStock } else { .inService }
    }

    /// An import places units in service or retired at a site, in stock or scrapped in a depot; every
    /// other status belongs to a workflow.
    static func statusFits(_ status: ApplianceStatus, _ location: UnitLocation) -> Bool {
        switch (location, status) {
        case (.site, .inService), (.site, .retired), (.depot, .inStock), (.depot, .scrapped): true
        default: false
        }
    }

    static func statusMessage(_ status: ApplianceStatus, _ location: UnitLocation) -> String {
        if case .site = location { return "a unit at a site is imported as in-service or retired, not \(status.rawValue)" }
        return "a spare in a depot is imported as in-stock or scrapped, not \(status.rawValue)"
    }

    /// Writes a batch in file order: complete new rows in groups, the rest one by one.
    mutating func write(_ rows: [PreparedAppliance], db: Database, log: inout ProblemLog, counts: inout ImportCounts) throws {
        var start = 0
        while start < rows.count {
            let end = start + Self.groupSize
            if end <= rows.count, rows[start..<end].allSatisfy(\.isComplete), try insertGroup(rows[start..<end]) {
                counts.added += Self.groupSize
                start = end
                continue
            }
            // A short or incomplete group, or one with a serial already held: row by row, as the file has them.
            for row in rows[start..<min(end, rows.count)] {
                switch try write(row, db: db, log: &log) {
                case .added?: counts.added += 1
                case .updated?: counts.updated += 1
                case .unchanged?: counts.unchanged += 1
                case nil: break
                }
            }
            start = end
        }
    }

    /// Inserts a group of complete new rows in one statement; `false` (and nothing inserted) when one of
    /// their serials is already held.
    private func insertGroup(_ rows: ArraySlice<PreparedAppliance>) throws -> Bool {
        let statement = insertGroup.sqliteStatement
        var offset: Int32 = 0
        for row in rows {
            if let modelID = row.modelID, let shipDate = row.shipDateText, let warrantyEnd = row.warrantyEnd, let location = row.location {
                bindRow(
                    statement, offset, row.serial, modelID: modelID, location: location, shipDate: shipDate, warrantyEnd: warrantyEnd,
                    version: row.version ?? nil, status: row.status ?? Self.defaultStatus(location))
            }
            offset += 9
        }
        return try step(statement)
    }

    mutating func write(_ row: PreparedAppliance, db: Database, log: inout ProblemLog) throws -> RowOutcome? {
        if let modelID = row.modelID, let shipDate = row.shipDateText, let warrantyEnd = row.warrantyEnd, let location = row.location {
            let statement = insert.sqliteStatement
            bindRow(
                statement, 0, row.serial, modelID: modelID, location: location, shipDate: shipDate, warrantyEnd: warrantyEnd,
                version: row.version ?? nil, status: row.status ?? Self.defaultStatus(location))
            if try step(statement) { return .added }
        }
        // The serial exists (or the row lacks what a new unit needs).
        guard let existing = try Row.fetchOne(db, sql: "SELECT * FROM appliance WHERE serial = ?", arguments: [row.serial]) else {
            var missing: [String] = []
            if row.modelID == nil { missing.append("model") }
            if row.shipDate == nil { missing.append("ship_date") }
            if row.location == nil { missing.append("site or depot") }
            log.add(line: row.line, column: nil, "a new appliance needs \(missing.joined(separator: ", "))")
            return nil
        }
        let id: Int64 = existing["id"]
        if id > lastIDBefore {
            log.add(line: row.line, column: "serial", "duplicate serial \"\(row.serial)\": an earlier row of this file has it")
            return nil
        }
        return try update(existing, with: row, db: db, log: &log)
    }

    /// Binds one row's nine values at parameters `offset + 1` to `offset + 9`.
    private func bindRow(
        _ statement: OpaquePointer, _ offset: Int32, _ serial: String, modelID: Int64, location: UnitLocation,
        shipDate: String, warrantyEnd: String, version: String?, status: ApplianceStatus
    ) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func bind(_ index: Int32, _ text: String?) {
            guard let text else { sqlite3_bind_null(statement, offset + index); return }
            var utf8 = text
            _ = utf8.withUTF8 { sqlite3_bind_text(statement, offset + index, $0.baseAddress, Int32($0.count), transient) }
        }
        func bind(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(statement, offset + index, value) } else { sqlite3_bind_null(statement, offset + index) }
        }
        bind(1, serial)
        bind(2, modelID)
        switch location {
        case let .site(site, customer):
            bind(3, customer)
            bind(4, site)
            bind(5, nil as Int64?)
        case let .depot(depot):
            bind(3, nil as Int64?)
            bind(4, nil as Int64?)
            bind(5, depot)
        }
        bind(6, shipDate)
        bind(7, warrantyEnd)
        bind(8, version)
        bind(9, status.rawValue)
    }

    /// Runs a bound INSERT; `false` when a serial is already held (the statement then changed nothing).
    private func step(_ statement: OpaquePointer) throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_DONE {
            sqlite3_reset(statement)
            return true
        }
        let extended = sqlite3_extended_errcode(connection)
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(statement)
        if extended == 2067 /* SQLITE_CONSTRAINT_UNIQUE */ { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message)
    }

    private func update(_ existing: Row, with row: PreparedAppliance, db: Database, log: inout ProblemLog) throws -> RowOutcome? {
        let status = try existing.decode("status", from: "appliance") as ApplianceStatus
        let currentLocation: UnitLocation? =
            if let site: Int64 = existing["site_id"], let customer: Int64 = existing["customer_id"] {
                .site(id: site, customer: customer)
            } else if let depot: Int64 = existing["depot_id"] {
                .depot(depot)
            } else {
                nil
            }
        let location = row.location ?? currentLocation
        let moved = row.location != nil && row.location != currentLocation
        let newStatus = row.status ?? (moved ? row.location.map(Self.defaultStatus) ?? status : status)
        let workflow: Set<ApplianceStatus> = [.allocated, .inTransit, .suspect, .defective, .returnInTransit, .returned]
        if workflow.contains(status) && (location != currentLocation || newStatus != status) {
            log.add(
                line: row.line, column: row.statusGiven ? "status" : "site",
                "unit \"\(row.serial)\" is \(status.rawValue) in a case or RMA; its place and status change only through that workflow")
            return nil
        }
        // The model and ship date decide warranty and RMA path: not while a case or an RMA of the unit is open.
        let changesModel = row.modelID.map { $0 != existing["model_id"] as Int64 } ?? false
        let changesShipDate = row.shipDate.map { $0.description != existing["ship_date"] as String } ?? false
        if changesModel || changesShipDate,
            let open = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT number FROM support_case WHERE appliance_id = ?1 AND status NOT IN ('resolved', 'closed')
                        UNION ALL SELECT number FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled')
                        LIMIT 1
                        """),
                arguments: [existing["id"]])
        {
            log.add(
                line: row.line, column: changesModel ? "model" : "ship_date",
                "unit \"\(row.serial)\" has the open \(open); its model and ship date change only when nothing is open on it")
            return nil
        }
        // A delivered replacement whose RMA is still open (the defective unit not yet back) is in service, but at the
        // RMA's customer for as long as the RMA runs.
        if location != currentLocation || newStatus != status,
            let open = try String.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT number FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled') LIMIT 1"
                ),
                arguments: [existing["id"]])
        {
            log.add(
                line: row.line, column: row.statusGiven ? "status" : "site",
                "unit \"\(row.serial)\" belongs to the open \(open); its place and status change only through it")
            return nil
        }
        if !workflow.contains(status), let location, row.location != nil || row.statusGiven, !Self.statusFits(newStatus, location) {
            log.add(line: row.line, column: "status", Self.statusMessage(newStatus, location))
            return nil
        }
        var values: [String: DatabaseValue] = ["status": newStatus.rawValue.databaseValue]
        switch location {
        case let .site(site, customer)?:
            values["site_id"] = site.databaseValue
            values["customer_id"] = customer.databaseValue
            values["depot_id"] = .null
        case let .depot(depot)?:
            values["site_id"] = .null
            values["customer_id"] = .null
            values["depot_id"] = depot.databaseValue
        case nil: break
        }
        if let model = row.modelID { values["model_id"] = model.databaseValue }
        if let shipDate = row.shipDate { values["ship_date"] = shipDate.description.databaseValue }
        if let version = row.version { values["software_version"] = version?.databaseValue ?? .null }
        let replacementWarranty: Bool = existing["replacement_warranty"]
        if !replacementWarranty, row.modelID != nil || row.shipDate != nil {
            let modelID: Int64 = row.modelID ?? existing["model_id"]
            let ship: LocalDate = try row.shipDate ?? existing.decode("ship_date", from: "appliance")
            values["warranty_end"] = Warranty.end(shipDate: ship, months: modelMonths[modelID] ?? 0).description.databaseValue
        }
        let changed = values.filter { column, value in existing[column] as DatabaseValue != value }
        guard !changed.isEmpty else { return .unchanged }
        let columns = changed.keys.sorted()
        try db.execute(
            sql: "UPDATE appliance SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
            arguments: StatementArguments(columns.map { changed[$0] ?? .null } + [existing["id"] as DatabaseValue]))
        return .updated
    }
}
