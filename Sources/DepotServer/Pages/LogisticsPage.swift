import DepotCore
import DepotReports
import DepotStore
import Foundation
import Hummingbird
import Mustache

/// `/logistics`: what logistics staff act on, each list labelled with the rule that puts an RMA in it. To ship: the
/// replacements not shipped yet, by ship-by deadline, late ones marked. In transit: replacements shipped and not
/// delivered. Returns: defective units expected back, by return due (advance replacements), late ones marked, then
/// the return-then-replace units the customer is to send. Then the spare stock. Deadlines are shown in the RMA
/// region's zone with its name and as time left or late, which orders them the same for every zone.
struct LogisticsPage: PageModel {
    static let template = "logistics"
    /// The steps the lists offer inline; closing and cancelling are on the RMA's page.
    static let queueSteps: Set<RMAAction> = [.allocate, .ship, .deliver, .returnShip, .receive]
    let title = "Logistics"
    let toShip: Queue
    let inTransit: Queue
    let returns: Queue
    /// Defective units back at a depot, to refurbish or scrap (the first `returnedShown`, of `returnedTotal`).
    let returned: [ReturnedUnitRow]
    let returnedTotal: Int
    static let returnedShown = 50
    let spares: ReportTableModel

    /// The page with each list at the page its query asks for (`to-ship-page=2`); a page past a list's end is a 404.
    init(actor: ActingUser, database: DepotDatabase, now: Instant, queries: [RMAQueue: ListQuery]) throws {
        func queue(_ queue: RMAQueue, pending: Bool) throws -> Queue {
            guard let query = queries[queue] else {
                throw DepotError.invalidArgument(name: "queue", value: queue.rawValue, reason: "the page was given no query for it")
            }
            let listing = try database.rmaQueue(queue, now: now, limit: query.rowsPerPage, offset: query.offset)
            try query.checkPage(total: listing.total)
            let rows = listing.items.map { r in
                let at = queue == .returns ? r.returnDue : r.shipBy
                var row = RMARow(
                    r, database: database, actor: actor, back: "/logistics", now: now, only: Self.queueSteps,
                    deadline: at.map { RMARow.Deadline(at: $0, now: now, pending: pending) })
                row.customerName = r.customer.flatMap { listing.customerNames[$0] }
                return row
            }
            return Queue(id: queue.rawValue, rows: rows, pager: query.pager(total: listing.total, shown: rows.count))
        }
        toShip = try queue(.toShip, pending: true)
        inTransit = try queue(.inTransit, pending: false)
        returns = try queue(.returns, pending: true)
        let back = try database.unitListing(
            UnitFilter(status: .returned, withoutOpenRMA: true), order: ListOrder(.serial), limit: Self.returnedShown, offset: 0)
        let mayMove = actor.role.allows(.moveUnits)
        returned = try back.items.map { ReturnedUnitRow(unit: try database.unitDetail($0.serial), permitted: mayMove, back: "/logistics") }
        returnedTotal = back.total
        spares = ReportTableModel(
            try database.table(
                ReportCatalog.named("spare-stock"), parameters: ReportParameters.today(at: now, policy: database.policy), limit: 500))
    }

    func child(named name: String) -> Any? {
        switch name {
        case "toShip": toShip.rows
        case "hasToShip": !toShip.rows.isEmpty
        case "toShipPager": toShip
        case "inTransit": inTransit.rows
        case "hasInTransit": !inTransit.rows.isEmpty
        case "inTransitPager": inTransit
        case "returns": returns.rows
        case "hasReturns": !returns.rows.isEmpty
        case "returnsPager": returns
        case "returned": returned
        case "hasReturned": !returned.isEmpty
        case "returnedTotal": returnedTotal
        case "moreReturned": returnedTotal > returned.count
        case "spares": spares
        default: nil
        }
    }

    /// One list's page: its rows, and where it stands ("51–100 of 180") with links to the pages around it, which
    /// keep the other lists' pages.
    struct Queue: MustacheParent, Sendable {
        let id: String
        let rows: [RMARow]
        let pager: ListPage.Pager

        /// The query of a list's page: its own page parameter (`to-ship-page`), the other lists' kept in its links.
        static func query(_ queue: RMAQueue, _ request: Request) throws -> ListQuery {
            try ListQuery(
                request, path: "/logistics", names: Set(RMAQueue.allCases.map(parameter)), pageParameter: parameter(queue),
                fragment: queue.rawValue)
        }

        static func parameter(_ queue: RMAQueue) -> String { queue.rawValue + "-page" }

        func child(named name: String) -> Any? {
            switch name {
            case "id": text(id)
            case "label": text(id.replacingOccurrences(of: "-", with: " "))
            default: pager.child(named: name)
            }
        }
    }
}
