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
        let (database, now) = (pages.database, pages.now())
        let rma = try await ThreadPool.run { try database.rmaDetail(number, now: now) }
        // Who may take the step, then whether the RMA's state allows it (409 naming the steps that are), before any
        // field is asked for: a stale form (another tab, a step already taken) says what happened, not what is missing.
        try actor.require(RMAStateMachine.permission(for: action, on: rma.path))
        guard rma.allowedNext.contains(action) else {
            throw DepotError.illegalTransition(
                subject: number.text, state: rma.state.rawValue, action: action.rawValue, allowed: rma.allowedNext.map(\.rawValue))
        }
        let region = try database.policy.region(rma.region)
        do {
            let at = try await Self.step(action, of: rma, form: form, region: region, now: now, database: database, actor: actor)
            let after = try await ThreadPool.run { try database.rmaDetail(number, now: now) }
            let when = PageTimes.local(at, zone: region.homeTimeZone)
            // Back to the list the form was on, at the RMA's row (`#rma-NUMBER`), or to the RMA's page.
            let back = WebPaths.safeNext(form.optional("back")).map { $0 + "#rma-" + number.text } ?? WebPaths.record("rmas", number.text)
            return pages.done(back, ActionMessages.rmaStep(action, after, at: when))
        } catch {
            // The RMA's page with the form as it was sent and the message at the field it is about.
            guard
                let problem = FormProblem(
                    error, form: form, fields: ["serial", "carrier", "tracking", "outcome", "reason", "at", "confirm"]),
                problem.status != .notFound || problem.field != nil
            else { throw error }
            let submitted = SubmittedForm(name: "step-\(action.rawValue)", state: FormState(values: form.fields, problem: problem))
            return try await pages.page(context, status: problem.status) { database, at in
                try RMAPage(number, actor: actor, database: database, now: at, submitted: submitted)
            }
        }
    }

    /// Takes `action` on `rma` with the form's fields; the instant it is recorded at.
    private static func step(
        _ action: RMAAction, of rma: RMADetail, form: Form, region: SupportRegion, now: Instant, database: DepotDatabase,
        actor: ActingUser
    ) async throws -> Instant {
        // Cancelling and closing a referral end the RMA for good: the form asks to confirm.
        if action == .cancel || (action == .close && rma.path == .salesReferral), form.optional("confirm") != "yes" {
            throw APIError(
                status: .badRequest, code: "invalid", message: "tick the box to confirm: this ends \(rma.number) for good", field: "confirm"
            )
        }
        // Delivery and receipt take the time they happened (the form's date and time in the RMA region's zone).
        let at = try time(form.optional("at"), region: region, now: now)
        // Receiving asks for the serial read off the unit that came back; the store refuses another unit.
        let serial = action == .receive ? try Serial.named(try form.required("serial")) : try Serial.namedIfGiven(form.optional("serial"))
        let details = RMAStepDetails(
            serial: serial, carrier: form.optional("carrier"), tracking: form.optional("tracking"),
            outcome: try form.optionalValue("outcome", as: ReferralOutcome.self), reason: form.optional("reason"))
        let number = rma.number
        try await database.grouped { try database.advanceRMA(number, action, details, at: at, actor: actor) }
        return at
    }

    /// The instant of a form's `YYYY-MM-DDTHH:MM` (seconds ignored) in `region`'s home zone; `now` when none is given.
    /// A time in the future is refused: a step is recorded when it happened.
    static func time(_ text: String?, region: SupportRegion, now: Instant) throws -> Instant {
        guard let text else { return now }
        let parts = text.split(separator: "T", maxSplits: 1)
        let clock = parts.count == 2 ? parts[1].split(separator: ":").map { Int($0) } : []
        guard parts.count == 2, let day = LocalDate(iso: String(parts[0])), clock.count >= 2, let hour = clock[0], let minute = clock[1],
            (0..<24).contains(hour), (0..<60).contains(minute)
        else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "\"\(text)\" is not a date and time (YYYY-MM-DDTHH:MM)", field: "at")
        }
        let at = region.instant(on: day, hour: hour, minute: minute)
        // The form is filled with the current minute: that minute, sent as it was, means now (to the second), so that
        // a step taken right after the one before is not dated before it.
        if now.secondsSinceEpoch - at.secondsSinceEpoch >= 0, now.secondsSinceEpoch - at.secondsSinceEpoch < 60 { return now }
        guard at.secondsSinceEpoch <= now.secondsSinceEpoch + 60 else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "\(text) (\(region.homeTimeZone.identifier)) is in the future", field: "at")
        }
        return at
    }
}
