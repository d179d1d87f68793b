import Hummingbird

/// A customer's page, `/customers/{key}` (the API's is `APIController`'s).
struct CustomerPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("customers/:key", use: customer)
    }

    @Sendable func customer(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let key = try context.pathParameter("key")
        return try await pages.page(context) { database, at in try CustomerPage(key, database: database, now: at) }
    }
}
