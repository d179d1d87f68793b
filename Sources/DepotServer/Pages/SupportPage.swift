import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/support`: the engineer's own cases, the cases nobody owns and all open cases, each by response-SLA time left; and
/// the suspect units.
struct SupportPage: PageModel {
    static let template = "support"
    let title = "Support"
    let queues: [Queue]
    let suspects: [UnitRow]
    let suspectUnits: Int
    /// How many of each list the page shows; the lists' pages have them all.
    static let shown = 50

    /// The queues of `user` (signed in), by response-SLA time left (still to respond to first, the most urgent at the
    /// top), and the suspect units.
    init(database: DepotDatabase, now: Instant, user: String) throws {
        func queue(_ id: String, _ title: String, _ filter: CaseFilter, link: String, empty: String) throws -> Queue {
            let listing = try database.caseListing(filter, order: ListOrder(.due), now: now, limit: Self.shown, offset: 0)
            let rows = listing.items.map { CaseRow($0, database: database, now: now, customerName: listing.customerNames[$0.customer]) }
            return Queue(id: id, title: title, rows: rows, total: listing.total, link: link, empty: empty)
        }
        let mine =
            "?sort=due&status=unresolved&owner="
            + (user.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "")
        queues = [
            try queue(
                "my-cases", "My cases", CaseFilter(unresolvedOnly: true, owner: user), link: "/cases" + mine,
                empty: "You own no open case: take one of the unassigned."),
            try queue(
                "unassigned-cases", "Unassigned", CaseFilter(unresolvedOnly: true, unassigned: true),
                link: "/cases?sort=due&status=unresolved&unassigned=yes", empty: "Every open case has an owner."),
            try queue(
                "open-cases", "Open cases", CaseFilter(unresolvedOnly: true), link: "/cases?sort=due&status=unresolved",
                empty: "No open cases."),
        ]
        let suspect = try database.unitListing(UnitFilter(status: .suspect), order: ListOrder(.serial), limit: Self.shown, offset: 0)
        suspects = suspect.items.map(UnitRow.init)
        suspectUnits = suspect.total
    }

    func child(named name: String) -> Any? {
        switch name {
        case "queues": queues
        case "suspects": suspects
        case "hasSuspects": !suspects.isEmpty
        case "shownSuspects": suspects.count
        case "suspectUnits": suspectUnits
        case "moreSuspects": suspectUnits > suspects.count
        default: nil
        }
    }

    /// A list of cases by time left, its first rows and a link to all of them.
    struct Queue: MustacheParent, Sendable {
        let id: String
        let title: String
        let rows: [CaseRow]
        let total: Int
        let link: String
        let empty: String

        func child(named name: String) -> Any? {
            switch name {
            case "id": text(id)
            case "title": text(title)
            case "cases": rows
            case "hasCases": !rows.isEmpty
            case "total": total
            case "shown": rows.count
            case "more": total > rows.count
            case "link": text(link)
            case "empty": text(empty)
            default: nil
            }
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
