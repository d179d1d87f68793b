import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/units/{serial}`: a unit's facts and warranty, its customer's active contract, its whole lineage (what it
/// replaced, back to the first, and what replaced it, up to the latest), its latest cases and RMAs.
struct UnitPage: PageModel {
    static let template = "unit"
    /// How far the lineage is followed each way, and how many of the latest cases and RMAs are listed.
    static let lineageLimit = 50
    static let caseLimit = 50
    static let rmaLimit = 20

    let title: String
    let unit: UnitDetail
    /// The day in the unit's region, which decides whether it is in warranty.
    let today: LocalDate
    let lineage: [LineageEntry]
    let contract: ActiveContract?
    let cases: [CaseLink]
    let rmas: [RMALink]
    /// A returned unit's refurbish and scrap forms.
    var returned: ReturnedUnitRow?

    init(_ serial: Serial, actor: ActingUser? = nil, database: DepotDatabase, now: Instant) throws {
        let overview = try database.unitOverview(serial, at: now)
        let u = overview.unit
        title = "Unit \(serial)"
        unit = u
        today = overview.today
        var earlier: [Serial] = []
        var cursor = u.replaces
        while let s = cursor, earlier.count < Self.lineageLimit, let unit = try? database.unitDetail(s) {
            earlier.insert(s, at: 0)
            cursor = unit.replaces
        }
        var later: [Serial] = []
        cursor = u.replacedBy
        while let s = cursor, later.count < Self.lineageLimit, let unit = try? database.unitDetail(s) {
            later.append(s)
            cursor = unit.replacedBy
        }
        lineage =
            earlier.map { LineageEntry(serial: $0, current: false) } + [LineageEntry(serial: u.serial, current: true)]
            + later.map { LineageEntry(serial: $0, current: false) }
        contract = overview.activeContract.map(ActiveContract.init)
        // The unit's detail lists its cases' numbers: a unit without cases needs no case query.
        cases = u.cases.isEmpty ? [] : try database.cases(CaseFilter(serial: u.serial), now: now, limit: Self.caseLimit).map(CaseLink.init)
        rmas = try u.rmas.suffix(Self.rmaLimit).reversed().map { RMALink(try database.rmaDetail($0, now: now)) }
        // Back at a depot with its RMA finished (a unit has at most one open RMA, its latest).
        if u.status == .returned, !rmas.contains(where: { RMAState(rawValue: $0.state)?.isOpen ?? true }) {
            returned = ReturnedUnitRow(unit: u, permitted: actor?.role.allows(.moveUnits) ?? false, back: "")
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "serial": key(unit.serial)
        case "model": text(unit.model)
        case "status": text(unit.status.rawValue)
        case "customer": key(unit.customer)
        case "site": text(unit.site)
        case "depot": text(unit.depot)
        case "returned": returned
        case "shipDate": text(unit.shipDate.description)
        case "warrantyEnd": text(unit.warrantyEnd.description)
        // SPEC.md 1: the end date is the first day out of warranty; the last day covered is the day before.
        case "lastCoveredDay": text(unit.warrantyEnd.adding(days: -1).description)
        case "today": text(today.description)
        case "inWarranty": today < unit.warrantyEnd
        case "replacementWarranty": unit.replacementWarranty
        case "version": text(unit.softwareVersion)
        case "replaces": key(unit.replaces)
        case "replacedBy": key(unit.replacedBy)
        case "lineage": lineage
        case "hasLineage": lineage.count > 1
        case "contract": contract
        case "hasContract": contract != nil
        case "cases": cases
        case "hasCases": !cases.isEmpty
        case "caseCount": unit.cases.count
        case "moreCases": unit.cases.count > cases.count
        case "rmas": rmas
        case "hasRMAs": !rmas.isEmpty
        case "rmaCount": unit.rmas.count
        case "moreRMAs": unit.rmas.count > rmas.count
        default: nil
        }
    }

    /// A unit of the lineage, the page's own marked.
    struct LineageEntry: MustacheParent, Sendable {
        let serial: Serial
        let current: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "serial": key(serial)
            case "current": current
            default: nil
            }
        }
    }

    /// The customer's active contract of the highest tier (the latest to end among equals).
    struct ActiveContract: MustacheParent, Sendable {
        let contract: CustomerDetail.Contract

        func child(named name: String) -> Any? {
            switch name {
            case "key": text(contract.key)
            case "tier": text(contract.tier.rawValue)
            case "end": text(contract.end.description)
            default: nil
            }
        }
    }

    /// A case about the unit.
    struct CaseLink: MustacheParent, Sendable {
        let summary: CaseSummary

        func child(named name: String) -> Any? {
            switch name {
            case "number": text(summary.number)
            case "title": text(summary.title)
            case "status": text(summary.status.rawValue)
            case "priority": text(summary.priority.rawValue)
            default: nil
            }
        }
    }

    /// An RMA of the unit, with its replacement.
    struct RMALink: MustacheParent, Sendable {
        let number: String
        let path: String
        let state: String
        let serial: String
        let replacement: String

        init(_ r: RMADetail) {
            number = r.number.text
            path = r.path.rawValue
            state = r.state.rawValue
            serial = r.serial.text
            replacement = r.replacementSerial?.text ?? ""
        }

        func child(named name: String) -> Any? {
            switch name {
            case "number": text(number)
            case "path": text(path)
            case "state": text(state)
            case "serial": key(serial)
            case "replacement": key(replacement)
            default: nil
            }
        }
    }
}
