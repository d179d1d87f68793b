import DepotCore
import Hummingbird

/// The logistics view: `/logistics`.
struct LogisticsController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("logistics", use: logistics)
    }

    @Sendable func logistics(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try request.queryForm()
        var queuePages: [RMAQueue: Int] = [:]
        for queue in RMAQueue.allCases {
            let name = LogisticsPage.Queue.parameter(queue)
            guard let text = form.optional(name) else { continue }
            guard let page = Int(text), page >= 1, page <= 1_000_000 else {
                throw APIError(
                    status: .badRequest, code: "invalid", message: "\(name) must be a whole number from 1 to 1000000", field: name)
            }
            queuePages[queue] = page
        }
        let asked = queuePages
        return try await pages.page(context) { database, at in
            try LogisticsPage(actor: actor, database: database, now: at, pages: asked)
        }
    }
}
