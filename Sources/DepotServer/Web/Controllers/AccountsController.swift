import Hummingbird

/// The account managers' view: `/accounts`.
struct AccountsController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("accounts", use: accounts)
    }

    @Sendable func accounts(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try ListQuery(request, path: "/accounts", names: [])
        return try await pages.page(context) { database, at in try AccountsPage(database: database, now: at, query: query) }
    }
}
