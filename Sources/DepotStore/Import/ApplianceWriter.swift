import DepotCore
import Foundation
import GRDB
import GRDBSQLite

/// Writes prepared rows; runs on the database thread inside the import's transaction.
struct ApplianceWriter {
    /// New units go in groups of this many rows per INSERT statement: SQLite's cost per statement is then
    /// paid once per group (measured: a third less time than one row per statement).
    static let groupSize = 32
    private static let columns =
        "INSERT INTO appliance (serial, model_id, customer_id, site_id, depot_id, ship_date, warranty_end, software_version, status) VALUES "
    /// SQLite's prepared inserts, bound through the C API; `nil` on another backend, which inserts row by row.
    private let sqlite: (insert: Statement, group: Statement, connection: OpaquePointer)?
    private let lastIDBefore: Int64
    private let modelMonths: [Int64: Int]
    /// PostgreSQL's staging table for runs of new units; `nil` on SQLite.
    private let staging: ApplianceStaging?
    /// The complete rows that did not insert a new unit, taken back from the reading thread's tally.
    private(set) var notInserted = ImportTally()

    init(db: any SQLConnection, models: [Int64: Int]) throws {
        lastIDBefore = try db.value(Int64.self, "SELECT max(id) FROM appliance") ?? 0
        if let grdb = (db as? GRDBConnection)?.grdb {
            let insert = try grdb.makeStatement(sql: Self.columns + "(?, ?, ?, ?, ?, ?, ?, ?, ?)")
            let group = try grdb.makeStatement(
                sql: Self.columns + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: Self.groupSize).joined(separator: ", "))
            guard let connection = grdb.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "no connection") }
            sqlite = (insert, group, connection)
        } else {
            sqlite = nil
        }
        staging = try ApplianceStaging(db)
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
    mutating func write(_ rows: [PreparedAppliance], db: any SQLConnection, log: inout ProblemLog, counts: inout ImportCounts) throws {
        if let staging { return try write(rows, through: staging, db: db, log: &log, counts: &counts) }
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
                count(try write(row, db: db, log: &log), in: &counts)
            }
            start = end
        }
    }

    /// Inserts a group of complete new rows in one statement; `false` (and nothing inserted) when one of
    /// their serials is already held.
    private func insertGroup(_ rows: ArraySlice<PreparedAppliance>) throws -> Bool {
        guard let sqlite else { return false }
        let statement = sqlite.group.sqliteStatement
        var offset: Int32 = 0
        for row in rows {
            if let modelID = row.modelID, let shipDate = row.shipDateText, let warrantyEnd = row.warrantyEnd, let location = row.location {
                bindRow(
                    statement, offset, row.serial, modelID: modelID, location: location, shipDate: shipDate, warrantyEnd: warrantyEnd,
                    version: row.version ?? nil, status: row.status ?? Self.defaultStatus(location))
            }
            offset += 9
        }
        return try step(statement, sqlite.connection)
    }

    /// PostgreSQL: the batch's complete rows through the staging table at once, then the rest (rows that lack what a
    /// new unit needs, and rows whose serial was held) in file order against the units they name, read in one query;
    /// their changes written with one statement. Row by row, 20,000 updates took 21 s, all under the write lock.
    private mutating func write(
        _ rows: [PreparedAppliance], through staging: ApplianceStaging, db: any SQLConnection, log: inout ProblemLog,
        counts: inout ImportCounts
    ) throws {
        let complete = rows.indices.filter { rows[$0].isComplete }
        let inserted = try staging.insert(complete.map { rows[$0] })
        // Where in the batch each new serial was inserted: a row before it in the file did not see it.
        var insertedAt: [ExactText: Int] = [:]
        var rest: [Int] = []
        var restIndex = rows.startIndex
        for (index, didInsert) in zip(complete, inserted) {
            rest += (restIndex..<index)
            restIndex = index + 1
            if didInsert {
                insertedAt[ExactText(rows[index].serial)] = index
                counts.added += 1
            } else {
                notInserted.add(rows[index], count: -1)
                rest.append(index)
            }
        }
        rest += (restIndex..<rows.endIndex)
        guard !rest.isEmpty else { return }
        var units = try staging.existing(Set(rest.map { ExactText(rows[$0].serial) }))
        var changed: [Int64: ImportedUnit] = [:]
        for index in rest {
            let row = rows[index]
            let serial = ExactText(row.serial)
            guard let found = units[serial], insertedAt[serial].map({ $0 < index }) ?? true else {
                log.add(line: row.line, column: nil, Self.incompleteMessage(row))
                continue
            }
            guard found.unit.id <= lastIDBefore else {
                log.add(line: row.line, column: "serial", Self.duplicateMessage(row))
                continue
            }
            switch try decide(found.unit, row, openWork: { found.openCase ?? found.openRMA }, openRMA: { found.openRMA }, log: &log) {
            case nil: break
            case .unchanged?: counts.unchanged += 1
            case .changed(let columns)?:
                counts.updated += 1
                units[serial]?.unit.columns = columns
                changed[found.unit.id] = units[serial]?.unit
            }
        }
        try staging.update(changed.values.sorted { $0.id < $1.id })
    }

    private func count(_ outcome: RowOutcome?, in counts: inout ImportCounts) {
        switch outcome {
        case .added?: counts.added += 1
        case .updated?: counts.updated += 1
        case .unchanged?: counts.unchanged += 1
        case nil: break
        }
    }

    mutating func write(_ row: PreparedAppliance, db: any SQLConnection, log: inout ProblemLog) throws -> RowOutcome? {
        if let modelID = row.modelID, let shipDate = row.shipDateText, let warrantyEnd = row.warrantyEnd, let location = row.location {
            // SQLite's path (PostgreSQL's new rows go through the staging table).
            if let sqlite {
                let statement = sqlite.insert.sqliteStatement
                bindRow(
                    statement, 0, row.serial, modelID: modelID, location: location, shipDate: shipDate, warrantyEnd: warrantyEnd,
                    version: row.version ?? nil, status: row.status ?? Self.defaultStatus(location))
                if try step(statement, sqlite.connection) { return .added }
                notInserted.add(row, count: -1)
            }
        }
        return try writeExisting(row, db: db, log: &log)
    }

    /// A row whose serial exists (or that lacks what a new unit needs): an update, a duplicate, or a problem.
    private func writeExisting(_ row: PreparedAppliance, db: any SQLConnection, log: inout ProblemLog) throws -> RowOutcome? {
        let connection = db
        guard let existing = try ApplianceRecord.find(connection, "serial", row.serial) else {
            log.add(line: row.line, column: nil, Self.incompleteMessage(row))
            return nil
        }
        if existing.id > lastIDBefore {
            log.add(line: row.line, column: "serial", Self.duplicateMessage(row))
            return nil
        }
        let unit = ImportedUnit(existing)
        switch try decide(
            unit, row, openWork: { try Self.openWork(unit.id, db: db) }, openRMA: { try Self.openRMA(unit.id, db: db) }, log: &log)
        {
        case nil: return nil
        case .unchanged?: return .unchanged
        case .changed(let columns)?:
            let (old, new) = (unit.columns.values, columns.values)
            let changed = new.keys.sorted().filter { new[$0] != old[$0] }
            // Cached per set of columns (a few): compiling the statement, and the tallies' update trigger with it, for
            // every row made a re-import of 50,000 units 3.3x slower.
            try db.execute(
                "UPDATE appliance SET \(changed.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
                changed.map { new[$0] ?? .null } + [unit.id.sqlValue])
            return .updated
        }
    }

    static func incompleteMessage(_ row: PreparedAppliance) -> String {
        var missing: [String] = []
        if row.modelID == nil { missing.append("model") }
        if row.shipDate == nil { missing.append("ship_date") }
        if row.location == nil { missing.append("site or depot") }
        return "a new appliance needs \(missing.joined(separator: ", "))"
    }

    static func duplicateMessage(_ row: PreparedAppliance) -> String {
        "duplicate serial \"\(row.serial)\": an earlier row of this file has it"
    }

    /// The first open case of the unit, else its first open RMA: the model and ship date stay while one is open.
    static func openWork(_ unit: Int64, db: any SQLConnection) throws -> String? {
        try db.value(
            String.self,
            """
            SELECT coalesce(
                (SELECT min(number) FROM support_case WHERE appliance_id = ?1 AND status NOT IN ('resolved', 'closed')),
                (SELECT min(number) FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled')))
            """, [unit])
    }

    /// The first open RMA the unit is the defective unit or the replacement of.
    static func openRMA(_ unit: Int64, db: any SQLConnection) throws -> String? {
        try db.value(
            String.self,
            "SELECT min(number) FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled')",
            [unit])
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
    private func step(_ statement: OpaquePointer, _ connection: OpaquePointer) throws -> Bool {
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

    /// What a row does to an existing unit: `nil` when refused (the problem logged), else unchanged or its new columns.
    /// `openWork` and `openRMA` give the unit's open case or RMA, and open RMA, when the decision needs them.
    private func decide(
        _ unit: ImportedUnit, _ row: PreparedAppliance, openWork: () throws -> String?, openRMA: () throws -> String?,
        log: inout ProblemLog
    ) throws -> ImportDecision? {
        let current = unit.columns
        let currentLocation = current.location
        let location = row.location ?? currentLocation
        let moved = row.location != nil && row.location != currentLocation
        let newStatus = row.status ?? (moved ? row.location.map(Self.defaultStatus) ?? current.status : current.status)
        if let (column, message) = try refusal(
            current, row, location: location, newStatus: newStatus, openWork: openWork, openRMA: openRMA)
        {
            log.add(line: row.line, column: column, message)
            return nil
        }
        var new = current
        new.status = newStatus
        switch location {
        case let .site(site, customer)?: (new.siteID, new.customerID, new.depotID) = (site, customer, nil)
        case let .depot(depot)?: (new.siteID, new.customerID, new.depotID) = (nil, nil, depot)
        case nil: break
        }
        if let model = row.modelID { new.modelID = model }
        if let shipDate = row.shipDate { new.shipDate = shipDate }
        if let version = row.version { new.softwareVersion = version }
        if !unit.replacementWarranty, row.modelID != nil || row.shipDate != nil {
            new.warrantyEnd = Warranty.end(shipDate: new.shipDate, months: modelMonths[new.modelID] ?? 0)
        }
        return new == current ? .unchanged : .changed(new)
    }

    /// The statuses a case or an RMA sets: a unit in one of them changes place and status only through that workflow.
    private static let workflowStatuses: Set<ApplianceStatus> = [.allocated, .inTransit, .suspect, .defective, .returnInTransit, .returned]

    /// Why a row may not change an existing unit so (the column to blame and the message), `nil` when it may.
    private func refusal(
        _ existing: UnitColumns, _ row: PreparedAppliance, location: UnitLocation?, newStatus: ApplianceStatus,
        openWork: () throws -> String?, openRMA: () throws -> String?
    ) throws -> (column: String, message: String)? {
        let (status, currentLocation) = (existing.status, existing.location)
        let placeColumn = row.statusGiven ? "status" : "site"
        if Self.workflowStatuses.contains(status) && (location != currentLocation || newStatus != status) {
            return (
                placeColumn,
                "unit \"\(row.serial)\" is \(status.rawValue) in a case or RMA; its place and status change only through that workflow"
            )
        }
        // The model and ship date decide warranty and RMA path: not while a case or an RMA of the unit is open.
        let changesModel = row.modelID.map { $0 != existing.modelID } ?? false
        let changesShipDate = row.shipDate.map { $0 != existing.shipDate } ?? false
        if changesModel || changesShipDate, let open = try openWork() {
            return (
                changesModel ? "model" : "ship_date",
                "unit \"\(row.serial)\" has the open \(open); its model and ship date change only when nothing is open on it"
            )
        }
        // A delivered replacement whose RMA is still open (the defective unit not yet back) is in service, but at the
        // RMA's customer for as long as the RMA runs.
        if location != currentLocation || newStatus != status, let open = try openRMA() {
            return (placeColumn, "unit \"\(row.serial)\" belongs to the open \(open); its place and status change only through it")
        }
        if !Self.workflowStatuses.contains(status), let location, row.location != nil || row.statusGiven,
            !Self.statusFits(newStatus, location)
        {
            return ("status", Self.statusMessage(newStatus, location))
        }
        return nil
    }
}

/// What an import row does to an existing unit.
enum ImportDecision {
    case unchanged
    case changed(UnitColumns)
}

/// An existing unit as an import sees it: what identifies it, and the columns an import row may change.
struct ImportedUnit: Sendable {
    let id: Int64
    let replacementWarranty: Bool
    var columns: UnitColumns

    init(_ record: ApplianceRecord) {
        id = record.id
        replacementWarranty = record.replacementWarranty
        columns = UnitColumns(
            modelID: record.modelID, customerID: record.customerID, siteID: record.siteID, depotID: record.depotID,
            shipDate: record.shipDate, warrantyEnd: record.warrantyEnd, softwareVersion: record.softwareVersion, status: record.status)
    }
}

/// The columns of a unit an import row may change.
struct UnitColumns: Equatable, Sendable {
    var modelID: Int64
    var customerID: Int64?
    var siteID: Int64?
    var depotID: Int64?
    var shipDate: LocalDate
    var warrantyEnd: LocalDate
    var softwareVersion: String?
    var status: ApplianceStatus

    var location: UnitLocation? {
        if let siteID, let customerID { return .site(id: siteID, customer: customerID) }
        return depotID.map(UnitLocation.depot)
    }

    /// The columns by name, as stored.
    var values: [String: SQLValue] {
        [
            "status": status.rawValue.sqlValue, "site_id": siteID.sqlValue, "customer_id": customerID.sqlValue,
            "depot_id": depotID.sqlValue, "model_id": modelID.sqlValue, "ship_date": shipDate.description.sqlValue,
            "software_version": softwareVersion.sqlValue, "warranty_end": warrantyEnd.description.sqlValue,
        ]
    }
}
