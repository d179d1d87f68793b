import DepotCore
import DepotReports
import DepotStore
import Foundation
import Mustache

/// `/logistics`: the shipping queue by ship-by deadline with its steps inline, the overdue returns, the spare stock.
struct LogisticsPage: PageModel {
    static let template = "logistics"
    /// The steps the queue offers inline; closing and cancelling are on the RMA's page.
    static let queueSteps: Set<RMAAction> = [.allocate, .ship, .deliver, .returnShip, .receive]
    let title = "Logistics"
    let queue: [RMARow]
    let overdue: [RMARow]
    let spares: ReportTableModel

    init(actor: ActingUser, database: DepotDatabase, now: Instant) throws {
        let open = try database.rmas(RMAFilter(openOnly: true), now: now, limit: 500).filter { $0.path != .salesReferral }
        let queue = open.sorted { a, b in
            switch (a.shipBy, b.shipBy) {
            case let (x?, y?): x == y ? a.number < b.number : x < y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.number < b.number
            }
        }
        let overdue = try database.rmas(RMAFilter(openOnly: true, overdueOnly: true), now: now, limit: 500)
        self.queue = queue.map { RMARow($0, database: database, actor: actor, back: "/logistics", only: Self.queueSteps) }
        self.overdue = overdue.map { RMARow($0, database: database, actor: actor, back: "/logistics", only: Self.queueSteps) }
        spares = ReportTableModel(
            try database.table(
                ReportCatalog.named("spare-stock"), parameters: ReportParameters.today(at: now, policy: database.policy), limit: 500))
    }

    func child(named name: String) -> Any? {
        switch name {
        case "queue": queue
        case "hasQueue": !queue.isEmpty
        case "overdue": overdue
        case "hasOverdue": !overdue.isEmpty
        case "spares": spares
        default: nil
        }
    }
}
