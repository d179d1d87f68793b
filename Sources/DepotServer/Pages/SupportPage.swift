import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/support`: the open cases with their live response-SLA state, and the suspect units.
struct SupportPage: PageModel {
    static let template = "support"
    let title = "Support"
    let cases: [CaseRow]
    let suspects: [UnitRow]

    init(database: DepotDatabase, now: Instant) throws {
        cases = try database.cases(CaseFilter(unresolvedOnly: true), now: now, limit: 200).map {
            CaseRow($0, database: database, now: now)
        }
        suspects = try database.units(status: .suspect, limit: 200).map(UnitRow.init)
    }

    func child(named name: String) -> Any? {
        switch name {
        case "cases": cases
        case "suspects": suspects
        case "hasCases": !cases.isEmpty
        case "hasSuspects": !suspects.isEmpty
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
