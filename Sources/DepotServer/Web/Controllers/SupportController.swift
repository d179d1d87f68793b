import Hummingbird

/// The support engineers' view: `/support`.
struct SupportController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("support", use: support)
    }

    @Sendable func support(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        return try await pages.page(context) { database, at in try SupportPage(database: database, now: at, user: actor.user) }
    }
}
