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
        var queries: [RMAQueue: ListQuery] = [:]
        for queue in RMAQueue.allCases { queries[queue] = try LogisticsPage.Queue.query(queue, request) }
        let asked = queries
        return try await pages.page(context) { database, at in
            try LogisticsPage(actor: actor, database: database, now: at, queries: asked)
        }
    }
}
