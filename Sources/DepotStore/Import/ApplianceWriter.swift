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

    /// PostgreSQL: each run of complete rows through the staging table, the rest (and the rows of a run that did not
    /// insert) one by one in file order.
    private mutating func write(
        _ rows: [PreparedAppliance], through staging: ApplianceStaging, db: any SQLConnection, log: inout ProblemLog,
        counts: inout ImportCounts
    ) throws {
        var start = 0
        while start < rows.count {
            guard rows[start].isComplete else {
                count(try writeExisting(rows[start], db: db, log: &log), in: &counts)
                start += 1
                continue
            }
            let end = rows[start...].firstIndex { !$0.isComplete } ?? rows.count
            let run = rows[start..<end]
            for (row, inserted) in zip(run, try staging.insert(run)) {
                if inserted {
                    counts.added += 1
                } else {
                    notInserted.add(row, count: -1)
                    count(try writeExisting(row, db: db, log: &log), in: &counts)
                }
            }
            start = end
        }
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
            var missing: [String] = []
            if row.modelID == nil { missing.append("model") }
            if row.shipDate == nil { missing.append("ship_date") }
            if row.location == nil { missing.append("site or depot") }
            log.add(line: row.line, column: nil, "a new appliance needs \(missing.joined(separator: ", "))")
            return nil
        }
        if existing.id > lastIDBefore {
            log.add(line: row.line, column: "serial", "duplicate serial \"\(row.serial)\": an earlier row of this file has it")
            return nil
        }
        return try update(existing, with: row, db: connection, log: &log)
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

    private func update(_ existing: ApplianceRecord, with row: PreparedAppliance, db: any SQLConnection, log: inout ProblemLog) throws
        -> RowOutcome?
    {
        let status = existing.status
        let currentLocation: UnitLocation? =
            if let site = existing.siteID, let customer = existing.customerID {
                .site(id: site, customer: customer)
            } else if let depot = existing.depotID {
                .depot(depot)
            } else {
                nil
            }
        let location = row.location ?? currentLocation
        let moved = row.location != nil && row.location != currentLocation
        let newStatus = row.status ?? (moved ? row.location.map(Self.defaultStatus) ?? status : status)
        if let (column, message) = try refusal(
            existing, row, location: location, currentLocation: currentLocation, newStatus: newStatus, db: db)
        {
            log.add(line: row.line, column: column, message)
            return nil
        }
        let changed = changes(existing, row, location: location, status: newStatus)
        guard !changed.isEmpty else { return .unchanged }
        let columns = changed.keys.sorted()
        // Cached per set of columns (a few): compiling the statement, and the tallies' update trigger with it, for
        // every row made a re-import of 50,000 units 3.3x slower.
        try db.execute(
            "UPDATE appliance SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
            columns.map { changed[$0] ?? .null } + [existing.id.sqlValue])
        return .updated
    }

    /// The statuses a case or an RMA sets: a unit in one of them changes place and status only through that workflow.
    private static let workflowStatuses: Set<ApplianceStatus> = [.allocated, .inTransit, .suspect, .defective, .returnInTransit, .returned]

    /// Why a row may not change an existing unit so (the column to blame and the message), `nil` when it may.
    private func refusal(
        _ existing: ApplianceRecord, _ row: PreparedAppliance, location: UnitLocation?, currentLocation: UnitLocation?,
        newStatus: ApplianceStatus, db: any SQLConnection
    ) throws -> (column: String, message: String)? {
        let status = existing.status
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
        if changesModel || changesShipDate,
            let open = try db.value(
                String.self,
                """
                SELECT number FROM support_case WHERE appliance_id = ?1 AND status NOT IN ('resolved', 'closed')
                UNION ALL SELECT number FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled')
                LIMIT 1
                """, [existing.id])
        {
            return (
                changesModel ? "model" : "ship_date",
                "unit \"\(row.serial)\" has the open \(open); its model and ship date change only when nothing is open on it"
            )
        }
        // A delivered replacement whose RMA is still open (the defective unit not yet back) is in service, but at the
        // RMA's customer for as long as the RMA runs.
        if location != currentLocation || newStatus != status,
            let open = try db.value(
                String.self,
                "SELECT number FROM rma WHERE (appliance_id = ?1 OR replacement_id = ?1) AND state NOT IN ('closed', 'cancelled') LIMIT 1",
                [existing.id])
        {
            return (placeColumn, "unit \"\(row.serial)\" belongs to the open \(open); its place and status change only through it")
        }
        if !Self.workflowStatuses.contains(status), let location, row.location != nil || row.statusGiven,
            !Self.statusFits(newStatus, location)
        {
            return ("status", Self.statusMessage(newStatus, location))
        }
        return nil
    }

    /// The columns the row changes, with their new values (those equal to the stored ones left out).
    private func changes(_ existing: ApplianceRecord, _ row: PreparedAppliance, location: UnitLocation?, status: ApplianceStatus)
        -> [String: SQLValue]
    {
        var values: [String: SQLValue] = ["status": status.rawValue.sqlValue]
        switch location {
        case let .site(site, customer)?:
            values["site_id"] = site.sqlValue
            values["customer_id"] = customer.sqlValue
            values["depot_id"] = .null
        case let .depot(depot)?:
            values["site_id"] = .null
            values["customer_id"] = .null
            values["depot_id"] = depot.sqlValue
        case nil: break
        }
        if let model = row.modelID { values["model_id"] = model.sqlValue }
        if let shipDate = row.shipDate { values["ship_date"] = shipDate.description.sqlValue }
        if let version = row.version { values["software_version"] = version?.sqlValue ?? .null }
        if !existing.replacementWarranty, row.modelID != nil || row.shipDate != nil {
            let modelID = row.modelID ?? existing.modelID
            let ship = row.shipDate ?? existing.shipDate
            values["warranty_end"] = Warranty.end(shipDate: ship, months: modelMonths[modelID] ?? 0).description.sqlValue
        }
        let stored: [String: SQLValue] = [
            "status": existing.status.rawValue.sqlValue, "site_id": existing.siteID.sqlValue,
            "customer_id": existing.customerID.sqlValue, "depot_id": existing.depotID.sqlValue,
            "model_id": existing.modelID.sqlValue, "ship_date": existing.shipDate.description.sqlValue,
            "software_version": existing.softwareVersion.sqlValue, "warranty_end": existing.warrantyEnd.description.sqlValue,
        ]
        return values.filter { column, value in stored[column] != value }
    }
}
