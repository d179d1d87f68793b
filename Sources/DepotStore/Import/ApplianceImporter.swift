import DepotCore
import GRDB
import GRDBSQLite

/// Imports appliances: the one file that reaches millions of rows. Parents (models, customers, sites,
/// depots, releases) are looked up in memory; a new serial goes straight into a prepared INSERT bound
/// with `sqlite3_bind_*` (GRDB's argument arrays cost twice as much per row); a serial that already
/// exists falls back to a read-merge-update. A serial held before the import is an update; one that
/// an earlier row of the same file inserted is a duplicate.
struct ApplianceImporter: RowImporter {
    private struct Model { let id: Int64; let months: Int }

    private let models: [String: Model]
    private let customers: [String: Int64]
    private let sites: [String: (id: Int64, customer: Int64)]
    private let depots: [String: Int64]
    private let versions: [String: String]
    private let lastIDBefore: Int64
    private let insert: Statement
    private let connection: OpaquePointer
    private let column: (serial: Int?, model: Int?, customer: Int?, site: Int?, depot: Int?, shipDate: Int?, version: Int?, status: Int?)
    private var warrantyCache: [Int: String] = [:]  // (day number << 10 | months) -> warranty end text

    init(db: Database, policy: Policy, header: ImportHeader) throws {
        var models: [String: Model] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, key, warranty_months FROM model") {
            models[row["key"]] = Model(id: row["id"], months: row["warranty_months"])
        }
        self.models = models
        customers = try Dictionary(Row.fetchAll(db, sql: "SELECT key, id FROM customer").map { ($0["key"], $0["id"]) }) { a, _ in a }
        var sites: [String: (id: Int64, customer: Int64)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, id, customer_id FROM site") { sites[row["key"]] = (row["id"], row["customer_id"]) }
        self.sites = sites
        depots = try Dictionary(Row.fetchAll(db, sql: "SELECT key, id FROM depot").map { ($0["key"], $0["id"]) }) { a, _ in a }
        var versions: [String: String] = [:]
        for version in try String.fetchAll(db, sql: "SELECT version FROM release") { versions[version] = version }
        self.versions = versions
        lastIDBefore = try Int64.fetchOne(db, sql: "SELECT max(id) FROM appliance") ?? 0
        insert = try db.makeStatement(sql: """
            INSERT INTO appliance (serial, model_id, customer_id, site_id, depot_id, ship_date, warranty_end, software_version, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "no connection") }
        self.connection = connection
        let p = header.positions
        column = (p["serial"], p["model"], p["customer"], p["site"], p["depot"], p["ship_date"], p["software_version"], p["status"])
    }

    /// One row's values; `nil` where the file has no such column.
    private struct Fields {
        var serial = ""
        var model: Model?
        var location: Location?
        var shipDate: LocalDate?
        var version: String??
        var status: ApplianceStatus?
        var statusGiven = false
    }

    private enum Location: Equatable {
        case site(id: Int64, customer: Int64)
        case depot(Int64)
    }

    mutating func importRow(reader: CSVReader<FileByteSource>, header: ImportHeader, db: Database, log: inout ProblemLog) throws -> RowOutcome? {
        let line = reader.line
        var parsed: Fields?
        var inserted = false
        try reader.withRecord { record in
            guard let fields = parse(record, line: line, log: &log) else { return }
            parsed = fields
            // A new serial: straight insert.
            if let model = fields.model, let shipDate = fields.shipDate, let location = fields.location, let dateIndex = column.shipDate {
                let status = fields.status ?? defaultStatus(location)
                guard statusFits(status, location, line: line, log: &log) else {
                    parsed = nil
                    return
                }
                inserted = try insertNew(fields.serial, model: model, location: location, shipDate: shipDate, shipDateText: record[dateIndex],
                                         version: fields.version ?? nil, status: status)
            }
        }
        guard let fields = parsed else { return nil }
        if inserted { return .added }
        // The serial exists (or the row lacks what a new unit needs).
        guard let existing = try Row.fetchOne(db, sql: "SELECT * FROM appliance WHERE serial = ?", arguments: [fields.serial]) else {
            var missing: [String] = []
            if fields.model == nil { missing.append("model") }
            if fields.shipDate == nil { missing.append("ship_date") }
            if fields.location == nil { missing.append("site or depot") }
            log.add(line: line, column: nil, "a new appliance needs \(missing.joined(separator: ", "))")
            return nil
        }
        let id: Int64 = existing["id"]
        if id > lastIDBefore {
            log.add(line: line, column: "serial", "duplicate serial \"\(fields.serial)\": an earlier row of this file has it")
            return nil
        }
        return try update(existing, with: fields, db: db, line: line, log: &log)
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

    private mutating func parse(_ record: CSVRecord, line: Int, log: inout ProblemLog) -> Fields? {
        var fields = Fields()
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
        fields.serial = serial
        if let key = text(record, column.model) {
            if let model = models[key] { fields.model = model } else { problem("model", key.isEmpty ? "a value is required" : "unknown model \"\(key)\"") }
        }
        if let index = column.shipDate {
            if let date = LocalDate(isoBytes: record[index]) {
                fields.shipDate = date
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
                if !customerKey.isEmpty {
                    if let customer = customers[customerKey] {
                        if customer != site.customer { problem("site", "site \"\(siteKey)\" belongs to another customer than \"\(customerKey)\"") }
                    } else {
                        problem("customer", "unknown customer \"\(customerKey)\"")
                    }
                }
                fields.location = .site(id: site.id, customer: site.customer)
            } else {
                problem("site", "unknown site \"\(siteKey)\"")
            }
        } else if !depotKey.isEmpty {
            if let depot = depots[depotKey] { fields.location = .depot(depot) } else { problem("depot", "unknown depot \"\(depotKey)\"") }
        } else if column.site != nil || column.depot != nil || column.customer != nil {
            problem("site", "a unit needs a site (with its customer) or a depot")
        }
        if let version = text(record, column.version) {
            if version.isEmpty {
                fields.version = .some(nil)
            } else if let known = versions[version] {
                fields.version = .some(known)
            } else if let parsed = SoftwareVersion(version), let known = versions[parsed.description] {
                fields.version = .some(known)
            } else {
                problem("software_version", SoftwareVersion(version) == nil
                    ? "\"\(version)\" is not a version (MAJOR.MINOR or MAJOR.MINOR.PATCH)"
                    : "unknown software version \"\(version)\" (import it with `depot import releases` first)")
            }
        }
        if let status = text(record, column.status), !status.isEmpty {
            fields.statusGiven = true
            if let parsed = ApplianceStatus(rawValue: status) ?? ApplianceStatus(rawValue: status.lowercased()) {
                fields.status = parsed
            } else {
                problem("status", "unknown status \"\(status)\"")
            }
        }
        return bad ? nil : fields
    }

    private func defaultStatus(_ location: Location) -> ApplianceStatus {
        if case .depot = location { .inStock } else { .inService }
    }

    /// An import places units in service or retired at a site, in stock or scrapped in a depot; every
    /// other status belongs to a workflow.
    private func statusFits(_ status: ApplianceStatus, _ location: Location, line: Int, log: inout ProblemLog) -> Bool {
        switch (location, status) {
        case (.site, .inService), (.site, .retired), (.depot, .inStock), (.depot, .scrapped): return true
        case (.site, _):
            log.add(line: line, column: "status", "a unit at a site is imported as in-service or retired, not \(status.rawValue)")
        case (.depot, _):
            log.add(line: line, column: "status", "a spare in a depot is imported as in-stock or scrapped, not \(status.rawValue)")
        }
        return false
    }

    private mutating func warrantyEnd(_ shipDate: LocalDate, months: Int) -> String {
        let key = shipDate.dayNumber << 10 | months
        if let cached = warrantyCache[key] { return cached }
        let end = Warranty.end(shipDate: shipDate, months: months).description
        if warrantyCache.count < 100_000 { warrantyCache[key] = end }
        return end
    }

    /// Inserts a new unit; `false` when the serial is already held.
    private mutating func insertNew(_ serial: String, model: Model, location: Location, shipDate: LocalDate,
                                    shipDateText: UnsafeBufferPointer<UInt8>, version: String?, status: ApplianceStatus) throws -> Bool
    {
        let statement = insert.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func bind(_ index: Int32, _ text: String?) {
            guard let text else { sqlite3_bind_null(statement, index); return }
            var utf8 = text
            utf8.withUTF8 { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient) }
        }
        func bind(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }
        bind(1, serial)
        bind(2, model.id)
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
        sqlite3_bind_text(statement, 6, shipDateText.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                          Int32(shipDateText.count), transient)  // validated YYYY-MM-DD: already canonical
        bind(7, warrantyEnd(shipDate, months: model.months))
        bind(8, version)
        bind(9, status.rawValue)
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

    private mutating func update(_ existing: Row, with fields: Fields, db: Database, line: Int, log: inout ProblemLog) throws -> RowOutcome? {
        let status = ApplianceStatus(rawValue: existing["status"]) ?? .inService
        let currentLocation: Location? = if let site: Int64 = existing["site_id"], let customer: Int64 = existing["customer_id"] {
            .site(id: site, customer: customer)
        } else if let depot: Int64 = existing["depot_id"] {
            .depot(depot)
        } else {
            nil
        }
        let location = fields.location ?? currentLocation
        let newStatus = fields.status ?? (fields.location != nil && fields.location != currentLocation
            ? fields.location.map(defaultStatus) ?? status : status)
        let workflow: Set<ApplianceStatus> = [.allocated, .inTransit, .suspect, .defective, .returnInTransit, .returned]
        if workflow.contains(status) && (location != currentLocation || newStatus != status) {
            log.add(line: line, column: fields.statusGiven ? "status" : "site",
                    "unit \"\(fields.serial)\" is \(status.rawValue) in a case or RMA; its place and status change only through that workflow")
            return nil
        }
        if !workflow.contains(status), let location, fields.location != nil || fields.statusGiven {
            guard statusFits(newStatus, location, line: line, log: &log) else { return nil }
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
        if let model = fields.model { values["model_id"] = model.id.databaseValue }
        if let shipDate = fields.shipDate { values["ship_date"] = shipDate.description.databaseValue }
        if let version = fields.version { values["software_version"] = version?.databaseValue ?? .null }
        let replacementWarranty: Bool = existing["replacement_warranty"]
        if !replacementWarranty, fields.model != nil || fields.shipDate != nil {
            let modelID: Int64 = fields.model?.id ?? existing["model_id"]
            let months = models.values.first { $0.id == modelID }?.months ?? 0
            let ship = fields.shipDate ?? LocalDate(iso: existing["ship_date"] as String) ?? LocalDate(dayNumber: 0)
            values["warranty_end"] = warrantyEnd(ship, months: months).databaseValue
        }
        let changed = values.filter { column, value in existing[column] as DatabaseValue != value }
        guard !changed.isEmpty else { return .unchanged }
        let columns = changed.keys.sorted()
        try db.execute(
            sql: "UPDATE appliance SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
            arguments: StatementArguments(columns.map { changed[$0] ?? .null } + [existing["id"] as DatabaseValue]))
        return .updated
    }

    mutating func finish(db: Database, log: inout ProblemLog) throws {}
}
