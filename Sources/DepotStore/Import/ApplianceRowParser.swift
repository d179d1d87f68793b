import DepotCore
import Foundation

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

    init(db: any SQLConnection, header: ImportHeader) throws {
        var models: [String: Model] = [:]
        for found in try db.rows("SELECT id, key, warranty_months FROM model", source: "query") {
            let row = found.stored("model")
            models[try row("key")] = Model(id: try row("id"), months: try row("warranty_months"))
        }
        self.models = models
        customers = try Self.ids(db, "customer")
        var sites: [String: Site] = [:]
        for found in try db.rows(
            "SELECT s.key, s.id, s.customer_id, c.key AS customer FROM site s JOIN customer c ON c.id = s.customer_id", source: "query")
        {
            let row = found.stored("site")
            sites[try row("key")] = Site(id: try row("id"), customer: try row("customer_id"), customerKey: try row("customer"))
        }
        self.sites = sites
        depots = try Self.ids(db, "depot")
        var versions: [String: String] = [:]
        for version in try db.values(String.self, "SELECT version FROM release") { versions[version] = version }
        self.versions = versions
        let p = header.positions
        column = (p["serial"], p["model"], p["customer"], p["site"], p["depot"], p["ship_date"], p["software_version"], p["status"])
    }

    /// The row ids of a table's records by key.
    private static func ids(_ db: any SQLConnection, _ table: String) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for found in try db.rows("SELECT key, id FROM \(table)", source: "query") {
            let row = found.stored(table)
            ids[try row("key")] = try row("id")
        }
        return ids
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
        // The fast path of `Serial`'s rules (printable ASCII, not only dots), without making a String first.
        if (1...64).contains(bytes.count), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), bytes.contains(where: { $0 != 0x2E }) {
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
        row.location = location(record, problem: problem)
        if let version = version(record, problem: problem) { row.version = version }
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

    /// Where the row puts the unit: a site of its customer, or a depot; `nil` when it names neither (an update keeps
    /// the unit where it is) or names them wrongly (`problem` says how).
    private func location(_ record: CSVRecord, problem: (String, String) -> Void) -> UnitLocation? {
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
                return .site(id: site.id, customer: site.customer)
            } else {
                problem("site", "unknown site \"\(siteKey)\"")
            }
        } else if !depotKey.isEmpty {
            if let depot = depots[depotKey] { return .depot(depot) }
            problem("depot", "unknown depot \"\(depotKey)\"")
        } else if column.site != nil || column.depot != nil || column.customer != nil {
            problem("site", "a unit needs a site (with its customer) or a depot")
        }
        return nil
    }

    /// The release the row names: `.some(nil)` for an empty cell (no version), `nil` without the column or for an
    /// unknown version (`problem` says which).
    private func version(_ record: CSVRecord, problem: (String, String) -> Void) -> String?? {
        guard let version = text(record, column.version) else { return nil }
        if version.isEmpty { return .some(nil) }
        if let known = versions[version] { return .some(known) }
        if let parsed = SoftwareVersion(version), let known = versions[parsed.description] { return .some(known) }
        problem(
            "software_version",
            SoftwareVersion(version) == nil
                ? "\"\(version)\" is not a version (MAJOR.MINOR or MAJOR.MINOR.PATCH)"
                : "unknown software version \"\(version)\" (import it with `depot import releases` first)")
        return nil
    }
}
