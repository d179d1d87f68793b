import DepotCore
import DepotStore
import Hummingbird

/// A unit's page, `/units/{serial}` (the API's is `APIController`'s), and the forms that refurbish or scrap a
/// returned unit.
struct UnitPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("units/:serial", use: unit)
        router.post("units/:serial/refurbish", use: refurbish)
        router.post("units/:serial/scrap", use: scrap)
    }

    @Sendable func unit(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let serial = try context.serial()
        return try await pages.page(context) { database, at in try UnitPage(serial, actor: actor, database: database, now: at) }
    }

    /// `POST /units/{serial}/refurbish`: back in stock at the depot named (by default the one it is at).
    @Sendable func refurbish(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let serial = try context.serial()
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        let depot = form.optional("depot")
        try await database.grouped { try database.refurbish(serial: serial, depot: depot, at: at, actor: actor) }
        let after = try await ThreadPool.run { try database.unitDetail(serial) }
        return pages.done(Self.back(form, serial), "\(serial) refurbished: in stock at \(after.depot ?? "its depot").")
    }

    /// `POST /units/{serial}/scrap`: final, so the form asks to confirm.
    @Sendable func scrap(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let serial = try context.serial()
        let form = try await Form.read(request, csrf: context.csrfToken)
        guard form.optional("confirm") == "yes" else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "tick the box to confirm: scrapping \(serial) is final", field: "confirm")
        }
        let (database, at) = (pages.database, pages.now())
        let reason = form.optional("reason")
        // The form was shown for a returned unit: if it is no longer one (refurbished meanwhile), nothing is scrapped.
        try await database.grouped { try database.scrap(serial: serial, reason: reason, expecting: .returned, at: at, actor: actor) }
        return pages.done(Self.back(form, serial), "\(serial) scrapped.")
    }

    /// The list the form was on, at the unit's row, or the unit's page.
    private static func back(_ form: Form, _ serial: Serial) -> String {
        WebPaths.safeNext(form.optional("back")).map { $0 + "#unit-" + serial.text } ?? WebPaths.record("units", serial.text)
    }
}
