import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The RMA pages: an RMA's page, its shipping labels and the forms of its steps (the API's are
/// `WorkflowController`'s).
struct RMAPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("rmas/:number", use: rma)
        router.get("rmas/:number/label", use: labelPage)
        router.get("rmas/:number/label.svg", use: labelSVG)
        router.post("rmas/:number/:action", use: rmaStep)
    }

    @Sendable func rma(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.rmaNumber()
        return try await pages.page(context) { database, at in try RMAPage(number, actor: actor, database: database, now: at) }
    }

    /// `GET /rmas/{number}/label?direction=replacement|return`: the label on a page that prints as the label alone.
    @Sendable func labelPage(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let number = try context.rmaNumber()
        let direction = try WorkflowController.labelDirection(request)
        return try await pages.page(context) { database, _ in
            _ = try database.rmaLabel(number, direction: direction)  // 404 / 409 here, not as a broken image
            return LabelPage(number: number, direction: direction)
        }
    }

    /// `GET /rmas/{number}/label.svg?direction=`: the label itself.
    @Sendable func labelSVG(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        return try await WorkflowController.labelResponse(request, context: context, database: pages.database)
    }

    /// `POST /rmas/{number}/{action}`: a step's form; back to the page it came from (`back`) or to the RMA's.
    @Sendable func rmaStep(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.rmaNumber()
        let name = try context.parameters.require("action")
        guard let action = RMAAction(rawValue: name) else {
            throw APIError(status: .notFound, code: "not-found", message: "no RMA step \"\(name)\"")
        }
        let form = try await Form.read(request, csrf: context.csrfToken)
        let database = pages.database
        let at = pages.now()
        let details = RMAStepDetails(
            serial: try Serial.namedIfGiven(form.optional("serial")), carrier: form.optional("carrier"),
            tracking: form.optional("tracking"),
            outcome: try form.optionalValue("outcome", as: ReferralOutcome.self), reason: form.optional("reason"))
        try await database.grouped { try database.advanceRMA(number, action, details, at: at, actor: actor) }
        let back = WebPaths.safeNext(form.optional("back")) ?? WebPaths.encoded("/rmas/\(number)")
        return PageRenderer.redirect(back)
    }
}
