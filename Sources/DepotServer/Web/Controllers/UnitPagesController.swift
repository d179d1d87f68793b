import Hummingbird

/// A unit's page, `/units/{serial}` (the API's is `APIController`'s).
struct UnitPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("units/:serial", use: unit)
    }

    @Sendable func unit(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let serial = try context.serial()
        return try await pages.page(context) { database, at in try UnitPage(serial, database: database, now: at) }
    }
}
