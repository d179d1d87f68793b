import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB

/// Something the run found wrong. A fatal failure (Depot and the model disagree on what happened) ends the run;
/// the others (an invariant, a report, an export) are recorded once each and the run goes on.
struct Failure: CustomStringConvertible {
    let kind: String
    let message: String
    let step: Int
    let fatal: Bool

    /// The failure without the numbers that change when a sequence is shrunk (ids, case and RMA numbers, times).
    var signature: String { kind + ": " + String(message.map { $0.isNumber ? "#" : $0 }) }

    var description: String { "step \(step) [\(kind)] \(message)" }
}

/// One run of an operation sequence against a fresh database and a fresh model.
final class FleetModelRun {
    static let start = Instant(iso: "2026-11-23T15:00:00Z") ?? Instant(secondsSinceEpoch: 0)
    /// `DepotDatabase.allowedClockSkew`: how far after now an `at` may be.
    static let allowedSkew: Int64 = 300
    static let premiumCustomers: Set<String> = ["ACME", "INITECH", "C1"]

    let clock: TestClock
    let folder: TemporaryFolder
    let database: DepotDatabase
    var model: FleetModel
    var snapshot: AuditSnapshot
    /// What happened at each step, for the failure message.
    var log: [String] = []
    var failures: [Failure] = []
    private var signatures: Set<String> = []
    var step = 0
    var stopped = false
    var exports = 0
    var timings: [String: UInt64] = [:]
    /// Customers whose contacts were erased in this step: their audit rows may be rewritten.
    var erasedThisStep: Set<String> = []

    init() throws {
        var policy = Policy.builtInDefault()
        policy.attachments.secureRetentionDays = 1
        let clock = TestClock(Self.start)
        let folder = TemporaryFolder()
        let database = try TestBackend.database(in: folder, policy: policy, clock: clock)
        for (entity, text) in Fleet.files + FleetModelRun.extraFleet {
            let file = folder.write("\(entity.rawValue).csv", text)
            _ = try database.importFile(entity, path: file, actor: TestDepot.admin, at: TestDepot.importedAt)
        }
        self.clock = clock
        self.folder = folder
        self.database = database
        model = try Self.loadModel(database, retentionDays: policy.attachments.secureRetentionDays)
        snapshot = try AuditSnapshot.capture(database)
    }

    /// Customers whose keys and contacts' names are prefixes of each other, and units whose serials are other
    /// records' keys (a contract's, a customer's, the first case's and the first RMA's numbers).
    static let extraFleet: [(ImportEntity, String)] = [
        (
            .customers,
            """
            customer,name,region,account_manager,tam
            C1,C One Ltd,emea,Dora Manager,
            C10,C Ten Inc,americas,Eve Manager,
            """
        ),
        (
            .sites,
            """
            site,customer,name,country,region,address
            C1-HQ,C1,Head office,GB,emea,10 Fleet St
            C1-LAB,C1,Lab,GB,emea,11 Fleet St
            C10-HQ,C10,Head office,US,americas,"10 Main St, Boston"
            """
        ),
        (
            .contracts,
            """
            contract,customer,tier,start_date,end_date,max_contacts
            C1-P,C1,premium,2026-01-01,2027-12-31,3
            C10-S,C10,standard,2026-01-01,2027-12-31,3
            """
        ),
        (
            .contacts,
            """
            email,customer,name,designated,certified
            ann@c1.example,C1,Ann,no,no
            anna@c10.example,C10,Anna,no,no
            reports@c10.example,C10,Annual Report Team,no,no
            jo.ann@c1.example,C10,Jo Ann,no,no
            """
        ),
        (
            .appliances,
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            C1-1,DX-100,C1,C1-HQ,,2026-06-01,5.1,in-service
            C1-2,DX-200,C1,C1-LAB,,2024-01-01,5.0,in-service
            C-ACME,DX-100,C1,C1-HQ,,2026-03-01,5.1,in-service
            RMA-2026-000001,DX-100,C1,C1-LAB,,2026-04-01,5.1,in-service
            C10-1,DX-100,C10,C10-HQ,,2026-05-01,5.1,in-service
            C10-2,DX-100,C10,C10-HQ,,2023-01-01,5.0,in-service
            C1,DX-200,C10,C10-HQ,,2026-02-01,5.1,in-service
            CS-2026-000001,DX-100,C10,C10-HQ,,2026-07-01,5.1,in-service
            SPARE-US-2,DX-200,,,D-US,2026-01-10,5.1,in-stock
            SPARE-US-3,DX-100,,,D-US,2026-01-10,5.1,in-stock
            SPARE-EU-3,DX-100,,,D-EU,2026-01-10,5.1,in-stock
            SPARE-EU-4,DX-200,,,D-EU,2026-01-10,5.1,in-stock
            """
        ),
    ]

    /// The model of the imported fixture (the fixture is given; only what happens after is predicted).
    static func loadModel(_ database: DepotDatabase, retentionDays: Int) throws -> FleetModel {
        try database.read { db in
            var units: [FleetModel.Unit] = []
            for row in try db.rows(
                """
                SELECT a.serial, m.key AS model, a.status, c.key AS customer, s.key AS site, d.key AS depot FROM appliance a
                JOIN model m ON m.id = a.model_id LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN site s ON s.id = a.site_id
                LEFT JOIN depot d ON d.id = a.depot_id ORDER BY a.serial
                """, source: "query")
            {
                let customer: String? = row["customer"]
                units.append(
                    FleetModel.Unit(
                        serial: row["serial"], model: row["model"], status: ApplianceStatus(rawValue: row["status"]) ?? .inService,
                        customer: customer, site: row["site"], depot: row["depot"], everAt: customer.map { [$0] } ?? []))
            }
            let contacts = try db.rows(
                """
                SELECT t.id, t.email, t.name, t.designated, t.certified, c.key FROM contact t JOIN customer c ON c.id = t.customer_id
                ORDER BY t.id
                """, source: "query"
            )
            .map {
                FleetModel.Contact(
                    id: $0["id"], customer: $0["key"], email: $0["email"], name: $0["name"], designated: $0["designated"],
                    certified: $0["certified"])
            }
            var contracts: [String: [FleetModel.Contract]] = [:]
            for row in try db.rows(
                "SELECT c.key, t.start_date, t.end_date FROM contract t JOIN customer c ON c.id = t.customer_id", source: "query")
            {
                let (start, end) = (LocalDate(iso: row["start_date"] as String), LocalDate(iso: row["end_date"] as String))
                if let start, let end { contracts[row["key"], default: []].append(FleetModel.Contract(start: start, end: end)) }
            }
            var regions: [String: String] = [:]
            for row in try db.rows("SELECT key, region FROM customer", source: "query") { regions[row["key"]] = row["region"] }
            var sites: [String: (customer: String, region: String)] = [:]
            for row in try db.rows(
                "SELECT s.key, c.key AS customer, s.region FROM site s JOIN customer c ON c.id = s.customer_id", source: "query")
            {
                sites[row["key"]] = (row["customer"], row["region"])
            }
            var depots: [String: String] = [:]
            for row in try db.rows("SELECT key, region FROM depot", source: "query") { depots[row["key"]] = row["region"] }
            var successors: [String: String] = [:]
            for row in try db.rows("SELECT m.key, s.key AS successor FROM model m JOIN model s ON s.id = m.successor_id", source: "query") {
                successors[row["key"]] = row["successor"]
            }
            var model = FleetModel(
                units: units, unitIndex: Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1.serial, $0) }),
                contacts: contacts, customers: try db.values(String.self, "SELECT key FROM customer ORDER BY key"), sites: sites,
                depots: depots,
                successors: successors, now: start, secureRetentionSeconds: Int64(retentionDays) * 86_400)
            model.customerRegions = regions
            model.contracts = contracts
            return model
        }
    }

    // MARK: - Recording

    func fail(_ kind: String, _ message: String, fatal: Bool = false) {
        let failure = Failure(kind: kind, message: message, step: step, fatal: fatal)
        if fatal && ProcessInfo.processInfo.environment["DEPOT_MODEL_KEEP_GOING"] == nil { stopped = true }
        guard signatures.insert(failure.signature).inserted || fatal else { return }
        failures.append(failure)
        log.append("    !! \(failure)")
    }

    var auditCount: Int { (try? database.read { db in try db.value(Int.self, "SELECT count(*) FROM audit") ?? 0 }) ?? 0 }

    /// Runs a Depot call the model judged: Depot must refuse exactly when the model does (and for the model's reason
    /// when there is only one), a change (`changes`) must add an audit entry and a refusal none. Returns the call's value when
    /// both accepted it.
    func judge<T>(_ label: String, _ refusals: [Refusal], changes: Bool = true, _ body: () throws(DepotError) -> T) -> T? {
        let before = auditCount
        let outcome: Result<T, DepotError>
        do throws(DepotError) { outcome = .success(try body()) } catch { outcome = .failure(error) }
        let after = auditCount
        switch outcome {
        case .success(let value):
            log.append("\(step): \(label) -> accepted")
            guard refusals.isEmpty else {
                fail(
                    "decision",
                    "Depot accepted \(label); the model expected a refusal (\(refusals.map(\.description).joined(separator: "; ")))",
                    fatal: true)
                return nil
            }
            if changes && after <= before { fail("audit", "\(label) was accepted but added no audit entry") }
            return value
        case .failure(let error):
            log.append("\(step): \(label) -> refused: \(error.message)")
            if case .storage = error { fail("storage", "\(label) failed in storage: \(error.message)") }
            guard !refusals.isEmpty else {
                fail("decision", "Depot refused \(label): \(error.message); the model expected it to be accepted", fatal: true)
                return nil
            }
            if after != before { fail("audit", "\(label) was refused but the audit log changed (\(before) -> \(after) rows)") }
            if refusals.count == 1 {
                switch (refusals[0], error) {
                case (.role, .forbidden), (.rule, _): break
                case (.time, .invalidArgument("--at", _, _)): break
                default: fail("refusal", "Depot refused \(label) with \"\(error.message)\"; the model's reason: \(refusals[0])")
                }
            }
            return nil
        }
    }

    // MARK: - Time and actors

    /// The operation's instant; `.after` moves the clock.
    func instant(_ time: TimeSpec, last: Instant?) -> Instant {
        switch time {
        case .after(let seconds):
            model.now = model.now.adding(seconds: seconds)
            clock.set(model.now)
            return model.now
        case .ahead(let seconds): return model.now.adding(seconds: seconds)
        case .beforeLast(let seconds): return (last ?? model.now).adding(seconds: -seconds)
        }
    }

    /// SPEC.md 3: no earlier than the record's last event, no later than now (with the allowed skew).
    func timeRefusals(_ at: Instant, last: Instant?) -> [Refusal] {
        var refusals: [Refusal] = []
        if let last, at < last { refusals.append(.time("\(at) is before the record's last event \(last)")) }
        if at > model.now.adding(seconds: Self.allowedSkew) {
            refusals.append(.time("\(at) is after now (\(model.now)) + \(Self.allowedSkew) s"))
        }
        return refusals
    }

    func pickActor(_ who: Who, allowed: ActingUser, wrong: ActingUser) -> (ActingUser, [Refusal]) {
        who == .allowed ? (allowed, []) : (wrong, [.role])
    }
}
