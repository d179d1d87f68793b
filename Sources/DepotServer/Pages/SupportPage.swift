import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/support`: the open cases with their live response-SLA state, and the suspect units.
struct SupportPage: PageModel {
    static let template = "support"
    let title = "Support"
    let cases: [CaseRow]
    let openCases: Int
    let suspects: [UnitRow]
    let suspectUnits: Int
    /// How many of each list the page shows; the lists' pages have them all.
    static let shown = 50

    /// The open cases by response-SLA time left (still to respond to first, the most urgent at the top), and the
    /// suspect units.
    init(database: DepotDatabase, now: Instant) throws {
        let open = try database.caseListing(
            CaseFilter(unresolvedOnly: true), order: ListOrder(.due), now: now, limit: Self.shown, offset: 0)
        cases = open.items.map { CaseRow($0, database: database, now: now, customerName: open.customerNames[$0.customer]) }
        openCases = open.total
        let suspect = try database.unitListing(UnitFilter(status: .suspect), order: ListOrder(.serial), limit: Self.shown, offset: 0)
        suspects = suspect.items.map(UnitRow.init)
        suspectUnits = suspect.total
    }

    func child(named name: String) -> Any? {
        switch name {
        case "cases": cases
        case "suspects": suspects
        case "hasCases": !cases.isEmpty
        case "hasSuspects": !suspects.isEmpty
        case "openCases": openCases
        case "shownCases": cases.count
        case "shownSuspects": suspects.count
        case "moreCases": openCases > cases.count
        case "suspectUnits": suspectUnits
        case "moreSuspects": suspectUnits > suspects.count
        default: nil
        }
    }

    /// A suspect unit.
    struct UnitRow: MustacheParent, Sendable {
        let serial: String
        let model: String
        let status: String
        let customer: String
        let site: String
        let warrantyEnd: String

        init(_ u: UnitSummary) {
            serial = u.serial.text
            model = u.model
            status = u.status.rawValue
            customer = u.customer ?? ""
            site = u.site ?? ""
            warrantyEnd = u.warrantyEnd.description
        }

        func child(named name: String) -> Any? {
            switch name {
            case "serial": key(serial)
            case "model": text(model)
            case "status": text(status)
            case "customer": key(customer)
            case "site": text(site)
            case "warrantyEnd": text(warrantyEnd)
            default: nil
            }
        }
    }
}
