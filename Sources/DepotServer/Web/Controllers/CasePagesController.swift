import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The case pages and their forms: opening a case, a case's page, its diagnosis, attachments and steps (the API's
/// are `APIController`'s, `WorkflowController`'s and `AttachmentController`'s).
struct CasePagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("cases/new", use: newCaseForm)
        router.post("cases", use: openCase)
        router.get("cases/:number", use: supportCase)
        router.post("cases/:number/diagnosis", use: diagnose)
        router.post("cases/:number/attachments", use: attach)
        router.get("attachments/:id", use: attachment)
        router.post("cases/:number/:action", use: caseStep)
    }

    /// `GET /cases/new?serial=&customer=`: the form, filled in from the unit or customer page it was opened from.
    @Sendable func newCaseForm(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try request.queryForm()
        let state = FormState(values: ["serial": query.optional("serial") ?? "", "customer": query.optional("customer") ?? ""])
        return try await pages.page(context) { database, now in try NewCasePage(state: state, database: database, now: now) }
    }

    @Sendable func openCase(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        do {
            var new = NewCase(
                customer: try form.required("customer"), contact: try form.required("contact"),
                type: try form.value("type", as: CaseType.self), serial: try Serial.namedIfGiven(form.optional("serial")),
                impact: try form.value("impact", as: Level.self), urgency: try form.value("urgency", as: Level.self),
                title: try form.required("title"), description: form.optional("description") ?? "",
                priority: try form.optionalValue("priority", as: Priority.self), priorityReason: form.optional("reason"),
                softwareVersion: form.optional("softwareVersion"))
            if let pin = form.optional("pin") {
                new.pin = try await pages.passwordChecks.checkPIN(database, customer: new.customer, pin: pin)
            }
            let number = try await database.openCaseGrouped(new, at: at, actor: actor).number
            let opened = try await ThreadPool.run { try database.caseDetail(number, now: at) }
            return pages.done(WebPaths.record("cases", number.text), ActionMessages.opened(opened))
        } catch {
            // The form again, as the user filled it, with the message next to the field it is about.
            guard let problem = FormProblem(error, form: form, fields: NewCasePage.fields) else { throw error }
            let state = FormState(values: form.fields, problem: problem)
            return try await pages.page(context, status: problem.status) { database, now in
                try NewCasePage(state: state, database: database, now: now)
            }
        }
    }

    @Sendable func supportCase(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.caseNumber()
        return try await pages.page(context) { database, at in try CasePage(number, actor: actor, database: database, now: at) }
    }

    /// `POST /cases/{number}/attachments`: the case page's upload form (multipart/form-data, streamed to disk).
    @Sendable func attach(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.manageCases)
        let number = try context.caseNumber()
        let database = pages.database
        let form = try await MultipartUpload.read(request, csrf: context.csrfToken, database: database)
        guard let upload = form.upload, let fileName = form.fileName else {
            throw APIError(status: .badRequest, code: "invalid", message: "choose a file to attach (an empty file is refused)")
        }
        let box = UploadBox(upload)
        let secure = form.fields["secure"] != nil
        let fileType = form.fileType
        let at = pages.now()
        _ = try await ThreadPool.run {
            try database.attach(box.upload, to: number, name: fileName, mediaType: fileType, secure: secure, at: at, actor: actor)
        }
        return pages.done(WebPaths.record("cases", number.text) + "#attachments", ActionMessages.attached(fileName, to: number))
    }

    /// `GET /attachments/{id}`: an attachment, as a download.
    @Sendable func attachment(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        return try await AttachmentController.file(request, context: context, database: pages.database)
    }

    @Sendable func diagnose(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.caseNumber()
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        do {
            let serial = try Serial.named(try form.required("serial"))
            let verdict = try form.value("verdict", as: Verdict.self)
            let note = try form.required("note")
            let outcome = try await database.grouped {
                try database.diagnose(
                    serial: serial, caseNumber: number, verdict: verdict, note: note, checks: form.optional("checks") ?? "", at: at,
                    actor: actor)
            }
            let target = outcome.rma.map { WebPaths.record("rmas", $0.text) } ?? WebPaths.record("cases", number.text)
            return pages.done(target, ActionMessages.diagnosed(outcome, case: number))
        } catch {
            return try await refused(error, form: form, name: "diagnosis", fields: CasePage.DiagnosisForm.fields, case: number, context)
        }
    }

    @Sendable func caseStep(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.caseNumber()
        let name = try context.parameters.require("action")
        if Self.ownershipFields[name] != nil { return try await ownershipStep(name, number: number, request: request, context: context) }
        guard let action = CaseStateMachine.Action(rawValue: name) else {
            throw APIError(status: .notFound, code: "not-found", message: "no case step \"\(name)\"")
        }
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        do {
            // Closing deletes the case's attachments and ends it: the form asks to confirm.
            if action == .close, form.optional("confirm") != "yes" {
                throw APIError(
                    status: .badRequest, code: "invalid", message: "tick the box to confirm: closing deletes the case's attachments",
                    field: "confirm")
            }
            try await database.grouped {
                try database.advanceCase(
                    number, action, confirmedBy: form.optional("confirmedBy"), note: form.optional("note"), at: at, actor: actor)
            }
            let after = try await ThreadPool.run { try database.caseDetail(number, now: at) }
            return pages.done(WebPaths.record("cases", number.text), ActionMessages.caseStep(action, after))
        } catch {
            return try await refused(
                error, form: form, name: "step-\(action.rawValue)", fields: ["note", "confirmedBy"], case: number, context)
        }
    }

    /// The case page again after one of its forms was refused: the form as it was sent, the message at it, the status
    /// of the error. An error that is not about the form (the case is gone, not signed in) keeps its error page.
    func refused(
        _ error: any Error, form: Form, name: String, fields: Set<String>, case number: CaseNumber, _ context: DepotRequestContext
    ) async throws -> Response {
        guard let problem = FormProblem(error, form: form, fields: fields), problem.status != .notFound || problem.field != nil,
            let actor = context.actor
        else { throw error }
        let submitted = SubmittedForm(name: name, state: FormState(values: form.fields, problem: problem))
        return try await pages.page(context, status: problem.status) { database, at in
            try CasePage(number, actor: actor, database: database, now: at, submitted: submitted)
        }
    }
}
