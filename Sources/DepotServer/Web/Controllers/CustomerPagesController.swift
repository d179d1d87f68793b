import DepotCore
import DepotStore
import Hummingbird

/// A customer's page, `/customers/{key}` (the API's is `APIController`'s).
struct CustomerPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("customers/:key", use: customer)
        router.post("customers/:key/pin", use: setPIN)
    }

    @Sendable func customer(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let key = try context.pathParameter("key")
        return try await pages.page(context) { database, at in try CustomerPage(key, database: database, now: at, actor: actor) }
    }

    /// `POST /customers/{key}/pin`: creates (or, with `rotate`, replaces) the after-hours PIN and shows it on the answer
    /// itself, once: not a redirect, so the PIN is never in a cookie or a later page.
    @Sendable func setPIN(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.setPIN)
        let key = try context.pathParameter("key")
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        let pin = Credentials.newPIN()
        let rotate = form.optional("rotate") == "yes"
        _ = try await ThreadPool.run {
            try database.setCustomerPIN(key, hash: Credentials.hashPassword(pin), rotate: rotate, at: at, actor: actor)
        }
        var page = try await pages.page(context) { database, now in
            try CustomerPage(key, database: database, now: now, actor: actor, newPIN: pin)
        }
        page.headers[.cacheControl] = "no-store"
        return page
    }
}
