import DepotCore
import DepotReports
import DepotStore
import Foundation
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
    let toShip: [RMARow]
    let inTransit: [RMARow]
    let returns: [RMARow]
    /// Defective units back at a depot, to refurbish or scrap (the first `returnedShown`, of `returnedTotal`).
    let returned: [ReturnedUnitRow]
    let returnedTotal: Int
    static let returnedShown = 50
    let spares: ReportTableModel

    init(actor: ActingUser, database: DepotDatabase, now: Instant) throws {
        let open = try database.rmas(RMAFilter(openOnly: true), now: now, limit: 500).filter { $0.path != .salesReferral }
        let names = try database.customerNames(open.compactMap(\.customer))
        func rows(_ rmas: [RMADetail], deadline: (RMADetail) -> Instant?, pending: Bool) -> [RMARow] {
            rmas.sorted { a, b in
                switch (deadline(a), deadline(b)) {
                case let (x?, y?): x == y ? a.number < b.number : x < y
                case (.some, nil): true
                case (nil, .some): false
                case (nil, nil): a.number < b.number
                }
            }
            .map { r in
                var row = RMARow(
                    r, database: database, actor: actor, back: "/logistics", now: now, only: Self.queueSteps,
                    deadline: deadline(r).map { RMARow.Deadline(at: $0, now: now, pending: pending) })
                row.customerName = r.customer.flatMap { names[$0] }
                return row
            }
        }
        toShip = rows(open.filter(\.awaitsShipment), deadline: \.shipBy, pending: true)
        inTransit = rows(open.filter(\.inTransit), deadline: \.shipBy, pending: false)
        returns = rows(open.filter(\.awaitsReturn), deadline: \.returnDue, pending: true)
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
        case "toShip": toShip
        case "hasToShip": !toShip.isEmpty
        case "inTransit": inTransit
        case "hasInTransit": !inTransit.isEmpty
        case "returns": returns
        case "hasReturns": !returns.isEmpty
        case "returned": returned
        case "hasReturned": !returned.isEmpty
        case "returnedTotal": returnedTotal
        case "moreReturned": returnedTotal > returned.count
        case "spares": spares
        default: nil
        }
    }
}
