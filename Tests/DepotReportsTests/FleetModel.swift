import DepotCore
import DepotStore

/// The reference model of the model-based test: what the fleet should look like after each operation, in plain
/// values, written from SPEC.md (not from Depot's code), so the two can disagree.
struct FleetModel {
    struct Unit {
        let serial: String
        let model: String
        var status: ApplianceStatus
        var customer: String?
        var site: String?
        /// The depot of a unit on a shelf, when the model knows it (a received unit's depot is Depot's choice).
        var depot: String?
        var replaces: String?
        var replacedBy: String?
        /// Every customer the unit has been at or allocated to: its serial belongs in their exports.
        var everAt: Set<String>
    }

    struct Case {
        let number: CaseNumber
        let customer: String
        var unit: String?
        var status: CaseStatus
        var responded = false
        var workaround = false
        var lastEvent: Instant
        /// When it was resolved, while it is.
        var resolvedAt: Instant?
    }

    struct RMA {
        let number: RMANumber
        let caseIndex: Int
        let unit: String
        let path: RMAPath
        var state: RMAState
        var replacement: String?
        var lastEvent: Instant
        let customer: String
        let site: String
        let region: String
        let verdictAt: Instant
    }

    struct Contact {
        let id: Int64
        let customer: String
        var email: String
        var name: String
        var designated = false
        var certified = false
    }

    /// A contract's term (SPEC.md 3: software support and a P1 need one active on the opening day).
    struct Contract {
        let start: LocalDate
        let end: LocalDate
    }

    struct Attachment {
        let id: Int64
        let caseIndex: Int
        let secure: Bool
        let uploadedAt: Instant
    }

    var units: [Unit]
    var unitIndex: [String: Int]
    var cases: [Case] = []
    var rmas: [RMA] = []
    var contacts: [Contact]
    var customers: [String]
    /// Site key -> (customer, region).
    var sites: [String: (customer: String, region: String)]
    /// Depot key -> region.
    var depots: [String: String]
    var successors: [String: String]
    var attachments: [Attachment] = []
    /// Customer key -> its region and its contracts.
    var customerRegions: [String: String] = [:]
    var contracts: [String: [Contract]] = [:]
    var now: Instant
    let secureRetentionSeconds: Int64

    /// The latest event of any record: a retention run is dated no earlier.
    var latestEvent: Instant {
        (cases.map(\.lastEvent) + rmas.map(\.lastEvent)).max() ?? now
    }

    func unit(_ serial: String) -> Unit? { unitIndex[serial].map { units[$0] } }

    /// Changes a unit; a change of its status or place at `at` is a move, which later steps may not predate.
    mutating func update(_ serial: String, at: Instant? = nil, _ change: (inout Unit) -> Void) {
        guard let index = unitIndex[serial] else { return }
        let before = units[index]
        change(&units[index])
        let after = units[index]
        if let at,
            before.status != after.status || before.customer != after.customer || before.site != after.site || before.depot != after.depot
        {
            movedAt[serial] = at
        }
    }

    /// When each unit last moved (status or place), as the model saw it.
    var movedAt: [String: Instant] = [:]

    /// The last move of a unit, or RMA step it took part in (as the defective unit or as the replacement): refurbish,
    /// scrap and allocation come after it.
    func lastMove(of serial: String) -> Instant? {
        (rmas.filter { $0.unit == serial || $0.replacement == serial }.map(\.lastEvent) + [movedAt[serial]].compactMap { $0 }).max()
    }

    func openRMA(ofUnit serial: String) -> Int? {
        rmas.indices.first { rmas[$0].unit == serial && rmas[$0].state.isOpen }
    }

    /// The units reachable from `serial` by following `replaces` and `replacedBy` (SPEC.md 4: never its replacement).
    func lineage(of serial: String) -> Set<String> {
        var seen: Set<String> = [serial]
        var queue = [serial]
        while let next = queue.popLast() {
            guard let unit = unit(next) else { continue }
            for linked in [unit.replaces, unit.replacedBy].compactMap({ $0 }) where !seen.contains(linked) {
                seen.insert(linked)
                queue.append(linked)
            }
        }
        return seen
    }

    /// The spares an RMA's allocation may take: in stock, of the unit's model or its successor, outside its lineage.
    /// The spares that may replace the RMA's unit at `at`: in stock then, of its model or the successor, outside its lineage.
    func candidates(for rma: RMA, at: Instant) -> [String] {
        guard let unit = unit(rma.unit) else { return [] }
        let models = Set([unit.model, successors[unit.model]].compactMap { $0 })
        let lineage = lineage(of: unit.serial)
        return units.filter {
            $0.status == .inStock && models.contains($0.model) && !lineage.contains($0.serial)
                && (lastMove(of: $0.serial).map { $0 <= at } ?? true)
        }.map(\.serial)
    }

    /// Where an RMA step leads (SPEC.md 4), cancellation only until the replacement ships.
    static func next(_ path: RMAPath, _ state: RMAState, _ action: RMAAction) -> RMAState? {
        switch (path, state, action) {
        case (.advanceReplacement, .approved, .allocate): .allocated
        case (.advanceReplacement, .allocated, .ship): .shipped
        case (.advanceReplacement, .shipped, .deliver): .delivered
        case (.advanceReplacement, .delivered, .returnShip): .returnShipped
        case (.advanceReplacement, .returnShipped, .receive): .returnReceived
        case (.advanceReplacement, .returnReceived, .close): .closed
        case (.advanceReplacement, .approved, .cancel), (.advanceReplacement, .allocated, .cancel): .cancelled
        case (.returnThenReplace, .awaitingReturn, .returnShip): .awaitingReturn
        case (.returnThenReplace, .awaitingReturn, .receive): .returnReceived
        case (.returnThenReplace, .returnReceived, .allocate): .allocated
        case (.returnThenReplace, .allocated, .ship): .shipped
        case (.returnThenReplace, .shipped, .deliver): .delivered
        case (.returnThenReplace, .delivered, .close): .closed
        case (.returnThenReplace, .awaitingReturn, .cancel), (.returnThenReplace, .returnReceived, .cancel),
            (.returnThenReplace, .allocated, .cancel):
            .cancelled
        case (.salesReferral, .referred, .close): .closed
        case (.salesReferral, .referred, .cancel): .cancelled
        default: nil
        }
    }

    /// The step that moves an RMA on along its path (not cancel), when there is one; a return-then-replace RMA
    /// awaiting its unit is shipped back first, then received.
    func forward(_ rma: RMA) -> RMAAction? {
        if rma.path == .returnThenReplace && rma.state == .awaitingReturn {
            return unit(rma.unit)?.status == .returnInTransit ? .receive : .returnShip
        }
        let order: [RMAAction] = [.allocate, .ship, .deliver, .returnShip, .receive, .close]
        return order.first { Self.next(rma.path, rma.state, $0) != nil }
    }

    /// Whether a spare of an RMA is still to ship (the shipping queue).
    static func awaitingShipment(_ rma: RMA) -> Bool {
        switch rma.path {
        case .advanceReplacement: rma.state == .approved || rma.state == .allocated
        case .returnThenReplace: rma.state == .awaitingReturn || rma.state == .returnReceived || rma.state == .allocated
        case .salesReferral: false
        }
    }
}

/// Why the model expects Depot to refuse an operation.
enum Refusal: Equatable, CustomStringConvertible {
    /// The actor's role lacks the permission.
    case role
    /// `at` is before the record's last event or after now + the allowed skew.
    case time(String)
    /// Anything else the rules refuse.
    case rule(String)

    var description: String {
        switch self {
        case .role: "wrong role"
        case .time(let why): "time: \(why)"
        case .rule(let why): why
        }
    }
}

/// When an operation happens, relative to the model's clock or the record's last event, so that a shrunk sequence
/// (with operations dropped) still means the same thing.
enum TimeSpec: Equatable, CustomStringConvertible {
    /// The clock moves on by these seconds; the operation is at the new now.
    case after(Int64)
    /// At now plus these seconds (up to the allowed skew accepted; beyond refused).
    case ahead(Int64)
    /// These seconds before the last event of the record it changes (refused).
    case beforeLast(Int64)

    var description: String {
        switch self {
        case .after(let s): "+\(s)s"
        case .ahead(let s): "now+\(s)s"
        case .beforeLast(let s): "last-\(s)s"
        }
    }
}

/// Who does an operation: someone whose role allows it, or someone whose role does not.
enum Who: Equatable { case allowed, wrongRole }

/// One operation of a sequence. Records are named by their index in the model (cases and RMAs in creation order,
/// units, customers and contacts in the fixture's order): an index that does not exist (after shrinking) skips it.
enum Operation: Equatable, CustomStringConvertible {
    case openCase(customer: Int, contact: Int, unit: Int?, type: CaseType, impact: Level, urgency: Level, time: TimeSpec, who: Who)
    case advanceCase(case: Int, action: CaseStateMachine.Action, contact: Int, time: TimeSpec, who: Who)
    case diagnose(case: Int, unit: Int, verdict: Verdict, time: TimeSpec, who: Who)
    case rmaStep(rma: Int, action: RMAAction, spare: Int?, outcome: ReferralOutcome?, time: TimeSpec, who: Who)
    case refurbish(unit: Int, depot: String, time: TimeSpec, who: Who)
    case scrap(unit: Int, time: TimeSpec, who: Who)
    case attach(case: Int, secure: Bool, time: TimeSpec, who: Who)
    case retention(advance: Int64)
    case erase(customer: Int, contact: Int?)
    case export(customer: Int)

    var description: String {
        switch self {
        case let .openCase(customer, contact, unit, type, impact, urgency, time, who):
            "openCase(customer #\(customer), contact #\(contact), unit \(unit.map { "#\($0)" } ?? "none"), \(type.rawValue), \(impact.rawValue)/\(urgency.rawValue), \(time)\(role(who)))"
        case let .advanceCase(number, action, contact, time, who):
            "advanceCase(case #\(number), \(action.rawValue), contact #\(contact), \(time)\(role(who)))"
        case let .diagnose(number, unit, verdict, time, who):
            "diagnose(case #\(number), unit #\(unit), \(verdict.rawValue), \(time)\(role(who)))"
        case let .rmaStep(rma, action, spare, outcome, time, who):
            "rmaStep(rma #\(rma), \(action.rawValue)\(spare.map { ", spare #\($0)" } ?? "")\(outcome.map { ", \($0.rawValue)" } ?? ""), \(time)\(role(who)))"
        case let .refurbish(unit, depot, time, who): "refurbish(unit #\(unit), \(depot), \(time)\(role(who)))"
        case let .scrap(unit, time, who): "scrap(unit #\(unit), \(time)\(role(who)))"
        case let .attach(number, secure, time, who): "attach(case #\(number), secure: \(secure), \(time)\(role(who)))"
        case let .retention(advance): "retention(+\(advance)s)"
        case let .erase(customer, contact): "erase(customer #\(customer), contact \(contact.map { "#\($0)" } ?? "all"))"
        case let .export(customer): "export(customer #\(customer))"
        }
    }

    private func role(_ who: Who) -> String { who == .wrongRole ? ", wrong role" : "" }
}

/// Draws operations that are mostly sensible in the model's current state, with a share of wrong ones (bad times,
/// wrong roles, illegal steps, wrong records) that Depot must refuse.
struct OperationGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ n: Int) -> Int { Int(random.next() % UInt64(max(n, 1))) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ values: [T]) -> T? { values.isEmpty ? nil : values[int(values.count)] }

    mutating func time(hasRecord: Bool = true) -> TimeSpec {
        switch int(100) {
        case 0..<4: .ahead(Int64(1 + int(300)))
        case 4..<8: .ahead(Int64(301 + int(3000)))
        case 8..<13 where hasRecord: .beforeLast(Int64(1 + int(7200)))
        case 13..<15: .after(86_400 + Int64(int(3600)))
        default: .after(Int64(int(1800)))
        }
    }

    mutating func who() -> Who { chance(3) ? .wrongRole : .allowed }

    mutating func next(_ model: FleetModel) -> Operation {
        let roll = int(100)
        switch roll {
        case 0..<12: return openCase(model)
        case 12..<30: return advanceCase(model)
        case 30..<44: return diagnose(model)
        case 44..<74: return rmaStep(model)
        case 74..<79:
            let returned = model.units.indices.filter { model.units[$0].status == .returned }
            return .refurbish(
                unit: pick(returned) ?? int(model.units.count), depot: pick(model.depots.keys.sorted()) ?? "D-US", time: time(), who: who())
        case 79..<82:
            let shelf = model.units.indices.filter { [.returned, .inStock].contains(model.units[$0].status) }
            return .scrap(unit: chance(80) ? pick(shelf) ?? int(model.units.count) : int(model.units.count), time: time(), who: who())
        case 82..<91: return .attach(case: int(model.cases.count + 1), secure: chance(50), time: time(), who: who())
        case 91..<95: return .retention(advance: chance(50) ? 86_400 + Int64(int(86_400)) : Int64(int(600)))
        case 95:
            let customer = int(model.customers.count)
            let own = model.contacts.indices.filter { model.contacts[$0].customer == model.customers[customer] }
            return .erase(customer: customer, contact: chance(50) ? pick(own) : nil)
        case 96, 97: return .export(customer: int(model.customers.count))
        default: return advanceCase(model)
        }
    }

    mutating func openCase(_ model: FleetModel) -> Operation {
        let customer = int(model.customers.count)
        let key = model.customers[customer]
        let own = model.contacts.indices.filter { model.contacts[$0].customer == key }
        let contact = chance(92) ? pick(own) ?? int(model.contacts.count) : int(model.contacts.count)
        let ownUnits = model.units.indices.filter { model.units[$0].customer == key }
        let unit: Int? =
            switch int(10) {
            case 0: nil
            case 1: int(model.units.count)
            default: pick(ownUnits.filter { model.units[$0].status == .inService }) ?? pick(ownUnits)
            }
        // A unit's case is a hardware fault; without one any other type (software support needs an active contract). High
        // impact and urgency suggest a P1, which needs a designated, certified contact under an active contract.
        let type: CaseType =
            unit == nil ? pick([CaseType.question, .productDefect, .enhancement, .customDevelopment]) ?? .question : .hardwareFault
        let impact = pick(Level.allCases) ?? .low
        let urgency = pick(Level.allCases) ?? .low
        return .openCase(
            customer: customer, contact: contact, unit: unit, type: type, impact: impact, urgency: urgency, time: time(hasRecord: false),
            who: who())
    }

    mutating func advanceCase(_ model: FleetModel) -> Operation {
        let open = model.cases.indices.filter { model.cases[$0].status != .closed }
        let index = chance(90) ? pick(open) ?? int(model.cases.count + 1) : int(model.cases.count + 1)
        let action = pick(CaseStateMachine.Action.allCases) ?? .respond
        var contact = int(model.contacts.count)
        if index < model.cases.count, chance(90) {
            let own = model.contacts.indices.filter { model.contacts[$0].customer == model.cases[index].customer }
            contact = pick(own) ?? contact
        }
        return .advanceCase(case: index, action: action, contact: contact, time: time(), who: who())
    }

    mutating func diagnose(_ model: FleetModel) -> Operation {
        let unresolved = model.cases.indices.filter { model.cases[$0].status.isUnresolved }
        let index = chance(90) ? pick(unresolved) ?? int(model.cases.count + 1) : int(model.cases.count + 1)
        var unit = int(model.units.count)
        if index < model.cases.count, chance(90) {
            let supportCase = model.cases[index]
            if let serial = supportCase.unit, let found = model.unitIndex[serial] {
                unit = found
            } else {
                unit = pick(model.units.indices.filter { model.units[$0].customer == supportCase.customer }) ?? unit
            }
        }
        let verdict: Verdict =
            switch int(4) {
            case 0, 1: .defective
            case 2: .notDefective
            default: .needsMoreInfo
            }
        return .diagnose(case: index, unit: unit, verdict: verdict, time: time(), who: who())
    }

    mutating func rmaStep(_ model: FleetModel) -> Operation {
        let open = model.rmas.indices.filter { model.rmas[$0].state.isOpen }
        let index = chance(93) ? pick(open) ?? int(model.rmas.count + 1) : int(model.rmas.count + 1)
        var action = pick(RMAAction.allCases) ?? .allocate
        var outcome: ReferralOutcome?
        if index < model.rmas.count {
            let rma = model.rmas[index]
            let roll = int(100)
            if roll < 75, let forward = model.forward(rma) {
                action = forward
            } else if roll < 87 {
                action = .cancel
            }
            if action == .close && rma.path == .salesReferral && chance(90) { outcome = pick(ReferralOutcome.allCases) }
        }
        if action == .close && outcome == nil && chance(5) { outcome = .purchased }
        var spare: Int?
        if action == .allocate && chance(15) {
            spare = pick(model.units.indices.filter { model.units[$0].status == .inStock }) ?? int(model.units.count)
        }
        return .rmaStep(rma: index, action: action, spare: spare, outcome: outcome, time: time(), who: who())
    }
}
