import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import ZIPFoundation

/// What is checked after every step: the fleet's invariants, the model's facts against the database, and the
/// reports' figures against the model; and what an export may hold.
extension FleetModelRun {
    /// The reports are checked every few steps (each run of the three costs as much as the other checks together).
    static let reportEvery = 4

    func checkAfterStep() {
        do {
            var t = DispatchTime.now().uptimeNanoseconds
            func lap(_ name: String) {
                let n = DispatchTime.now().uptimeNanoseconds
                timings[name, default: 0] += n - t
                t = n
            }
            for violation in try FleetInvariants.violations(in: database) { fail("invariant", violation) }
            lap("invariants")
            let (changes, now) = try snapshot.changes(in: database, erasedCustomers: erasedThisStep)
            for change in changes { fail("invariant", change) }
            snapshot = now
            erasedThisStep = []
            lap("audit")
            try compareFacts()
            lap("facts")
            guard !stopped, step % Self.reportEvery == 0 else { return }
            try checkReports()
            lap("reports")
        } catch {
            fail("check", "the checks could not read the database: \(error)", fatal: true)
        }
    }

    /// Every unit's status and place, every RMA's state and replacement, every case's status, as the model has them.
    func compareFacts() throws {
        let (units, rmas, cases) = try database.read { db in
            (
                try db.rows(
                    """
                    SELECT a.serial, a.status, c.key AS customer, s.key AS site, d.key AS depot FROM appliance a LEFT JOIN customer c ON c.id = a.customer_id
                    LEFT JOIN site s ON s.id = a.site_id LEFT JOIN depot d ON d.id = a.depot_id
                    """, source: "query"),
                try db.rows(
                    "SELECT r.number, r.state, p.serial AS replacement FROM rma r LEFT JOIN appliance p ON p.id = r.replacement_id ORDER BY r.id",
                    source: "query"),
                try db.rows("SELECT number, status FROM support_case ORDER BY id", source: "query")
            )
        }
        var differences: [String] = []
        for row in units {
            let serial: String = row["serial"]
            guard let unit = model.unit(serial) else {
                differences.append("unit \(serial) is not in the model")
                continue
            }
            let place = { (customer: String?, site: String?, depot: String?) in "\(customer ?? "-")/\(site ?? "-")/\(depot ?? "-")" }
            let status: String = row["status"]
            var depot = unit.depot
            if depot == nil && unit.customer == nil { depot = row["depot"] }
            if status != unit.status.rawValue || place(row["customer"], row["site"], row["depot"]) != place(unit.customer, unit.site, depot)
            {
                differences.append(
                    "unit \(serial) is \(status) at \(place(row["customer"], row["site"], row["depot"])); "
                        + "the model has \(unit.status.rawValue) at \(place(unit.customer, unit.site, depot))")
            }
        }
        if rmas.count != model.rmas.count { differences.append("Depot has \(rmas.count) RMAs, the model \(model.rmas.count)") }
        for (row, rma) in zip(rmas, model.rmas) {
            let state: String = row["state"]
            let replacement: String? = row["replacement"]
            if row["number"] as String != rma.number.text || state != rma.state.rawValue
                || (rma.state.isOpen && replacement != rma.replacement)
            {
                differences.append(
                    "RMA \(row["number"] as String) is \(state) with replacement \(replacement ?? "none"); "
                        + "the model has \(rma.number) \(rma.state.rawValue) with \(rma.replacement ?? "none")")
            }
        }
        if cases.count != model.cases.count { differences.append("Depot has \(cases.count) cases, the model \(model.cases.count)") }
        for (row, supportCase) in zip(cases, model.cases) where row["status"] as String != supportCase.status.rawValue {
            differences.append("case \(supportCase.number) is \(row["status"] as String); the model has \(supportCase.status.rawValue)")
        }
        if !differences.isEmpty { fail("model", differences.joined(separator: "\n       "), fatal: true) }
    }

    // MARK: - Reports

    func report(_ name: String, asOf: LocalDate) throws -> [[String]] {
        try database.table(ReportCatalog.named(name), parameters: ReportParameters(asOf: asOf), limit: 1_000_000).rows
    }

    /// Spare stock by depot and model, the shipping queue and the failure rates, from the model.
    func checkReports() throws {
        let today = model.now.utcDate
        var stock: [String: (inStock: Int, allocated: Int, needing: Int)] = [:]
        for unit in model.units {
            guard let depot = unit.depot, unit.customer == nil else { continue }
            if unit.status == .inStock { stock["\(depot)|\(unit.model)", default: (0, 0, 0)].inStock += 1 }
            if unit.status == .allocated { stock["\(depot)|\(unit.model)", default: (0, 0, 0)].allocated += 1 }
        }
        for rma in model.rmas where FleetModel.awaitingShipment(rma) && rma.replacement == nil {
            guard let unitModel = model.unit(rma.unit)?.model else { continue }
            for (depot, region) in model.depots where region == rma.region {
                stock["\(depot)|\(unitModel)", default: (0, 0, 0)].needing += 1
            }
        }
        let expectedStock = Set(
            stock.filter { $0.value.inStock + $0.value.allocated + $0.value.needing > 0 }.map { key, value in
                let parts = key.split(separator: "|").map(String.init)
                return [
                    parts[0], model.depots[parts[0]] ?? "", parts[1], String(value.inStock), String(value.allocated), String(value.needing),
                ]
            })
        let spareStock = Set(try report("spare-stock", asOf: today))
        if spareStock != expectedStock {
            fail(
                "report",
                "spare-stock lists \(spareStock.subtracting(expectedStock).sorted { $0.lexicographicallyPrecedes($1) }) "
                    + "instead of \(expectedStock.subtracting(spareStock).sorted { $0.lexicographicallyPrecedes($1) })")
        }

        let queue = Set(try report("shipping-queue", asOf: today).map { [$0[0], $0[2], $0[3], $0[4]] })
        let expectedQueue = Set(
            model.rmas.filter(FleetModel.awaitingShipment).map { [$0.number.text, $0.state.rawValue, $0.customer, $0.site] })
        if queue != expectedQueue {
            fail(
                "report",
                "shipping-queue lists (rma, state, customer, site) \(queue.subtracting(expectedQueue).sorted { $0.lexicographicallyPrecedes($1) }) "
                    + "instead of \(expectedQueue.subtracting(queue).sorted { $0.lexicographicallyPrecedes($1) })")
        }

        // As of tomorrow, so every verdict so far (some are dated up to the allowed skew ahead) is in.
        let rates = try report("failure-rates", asOf: model.now.adding(seconds: 86_400).utcDate)
        let units = rates.reduce(0) { $0 + (Int($1[2]) ?? 0) }
        let defective = rates.reduce(0) { $0 + (Int($1[3]) ?? 0) }
        // A unit counts while at a customer and after it came back under an RMA; each failed unit once, however many RMAs.
        let failed = Set(model.rmas.map(\.unit))
        let cohort = model.units.filter { $0.customer != nil || failed.contains($0.serial) }.count
        if units != cohort || defective != failed.count {
            fail(
                "report",
                "failure-rates counts \(units) units and \(defective) defective; the records hold \(cohort) units at customers "
                    + "or returned under an RMA and \(failed.count) units diagnosed defective")
        }
    }

    // MARK: - Exports

    /// Exports a customer and reads the ZIP back: entry path (without the customer folder) -> content.
    func export(_ customer: String) -> (CustomerExport, [String: Data])? {
        exports += 1
        let path = folder.path + "/export-\(exports).zip"
        defer { unlink(path) }
        guard
            let export = judge(
                "export \(customer) at \(model.now)", [],
                { () throws(DepotError) in
                    try database.exportCustomer(customer, to: path, at: model.now, actor: Self.admin)
                })
        else { return nil }
        var entries: [String: Data] = [:]
        do {
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry, skipCRC32: true) { data.append($0) }
                entries[String(entry.path.drop { $0 != "/" }.dropFirst())] = data
            }
        } catch {
            fail("export", "the export of \(customer) is not a readable ZIP: \(error)")
        }
        return (export, entries)
    }

    /// The SHA-256 of each file of a customer's export but the manifest and the audit log (the exports themselves add to it).
    func exportDigest(_ customer: String) -> [String: String] {
        guard let (export, _) = export(customer) else { return [:] }
        var digest: [String: String] = [:]
        for file in export.files where !["manifest.json", "audit.json", "audit.csv"].contains(file.path) { digest[file.path] = file.sha256 }
        return digest
    }

    /// Exports a customer and checks the ZIP holds nothing of another: no other customer's key, site, contract,
    /// contact address, case or RMA number, or serial of a unit at another customer that never was at this one;
    /// and no audit entry about another customer.
    func exportAndCheck(_ customer: String) {
        guard let (_, entries) = export(customer) else { return }
        do {
            let records = try database.read { db in
                try db.rows(
                    """
                    SELECT c.key AS customer, s.key FROM site s JOIN customer c ON c.id = s.customer_id
                    UNION ALL SELECT c.key, t.key FROM contract t JOIN customer c ON c.id = t.customer_id
                    UNION ALL SELECT key, key FROM customer
                    """, source: "query"
                ).map { ($0["customer"] as String, $0["key"] as String) }
            }
            var tokens: [String: Set<String>] = [:]
            for (owner, key) in records { tokens[owner, default: []].insert(key) }
            for contact in model.contacts { tokens[contact.customer, default: []].insert(contact.email) }
            for supportCase in model.cases { tokens[supportCase.customer, default: []].insert(supportCase.number.text) }
            for rma in model.rmas { tokens[rma.customer, default: []].insert(rma.number.text) }
            var own = tokens[customer] ?? []
            for unit in model.units where unit.everAt.contains(customer) { own.insert(unit.serial) }
            var forbidden: [String: String] = [:]
            for (owner, keys) in tokens where owner != customer {
                for key in keys where !own.contains(key) { forbidden[key] = owner }
            }
            for unit in model.units where !own.contains(unit.serial) {
                if let at = unit.customer, at != customer { forbidden[unit.serial] = at }
            }
            var leaks: [String] = []
            for (path, data) in entries.sorted(by: { $0.key < $1.key }) {
                let text = String(decoding: data, as: UTF8.self)
                for (token, owner) in forbidden.sorted(by: { $0.key < $1.key }) where Self.containsToken(text, token) {
                    leaks.append("\(path) holds \(token) of \(owner)")
                }
            }
            if let audit = entries["audit.json"], let rows = try JSONSerialization.jsonObject(with: audit) as? [[String: Any]] {
                let ids = Set(rows.compactMap { ($0["id"] as? NSNumber)?.int64Value })
                let owners = try database.read { db in
                    try db.rows(
                        "SELECT id, action, entity, entity_key, depot_owner FROM (\(AuditSnapshot.ownerSQL(db.dialect))) o", source: "query"
                    )
                    .filter { ids.contains($0["id"] as Int64) }
                }
                for row in owners {
                    if let owner = row["depot_owner"] as String?, owner != customer {
                        leaks.append(
                            "audit.json holds entry #\(row["id"] as Int64) (\(row["action"] as String) \(row["entity"] as String) "
                                + "\(row["entity_key"] as String)) about \(owner)")
                    }
                }
            }
            if !leaks.isEmpty { fail("export", "the export of \(customer) leaks: " + leaks.joined(separator: "; ")) }
        } catch {
            fail("export", "the export of \(customer) could not be checked: \(error)")
        }
    }

    /// Whether `token` occurs in `text` as a whole word: not inside a longer key, serial, number or address.
    static func containsToken(_ text: String, _ token: String) -> Bool {
        let bytes = Array(text.utf8)
        let needle = Array(token.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return false }
        func isWordByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
                || b == 0x40
        }
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle {
                let before = i == 0 ? nil : bytes[i - 1]
                let after = i + needle.count < bytes.count ? bytes[i + needle.count] : nil
                if !(before.map(isWordByte) ?? false) && !(after.map(isWordByte) ?? false) { return true }
            }
            i += 1
        }
        return false
    }
}
