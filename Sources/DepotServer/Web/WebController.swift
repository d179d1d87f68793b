import DepotCore
import DepotReports
import DepotStore
import Foundation
import Hummingbird

/// The web UI: server-rendered pages for each role, forms that post back (each with its CSRF token), no
/// JavaScript needed. Every change goes through the same store workflows as the API and the command line,
/// which check the signed-in user's role.
struct WebController {
    let database: DepotDatabase
    let pages: PageRenderer
    let now: @Sendable () -> Instant
    let secureCookies: Bool
    let sessions: RecentCache<WebSession>

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("/", use: home)
        router.get("sign-in", use: signInForm)
        router.post("sign-in", use: signIn)
        router.post("sign-out", use: signOut)
        router.get("static/depot.css", use: stylesheet)
        router.get("search", use: search)
        router.get("support", use: support)
        router.get("logistics", use: logistics)
        router.get("accounts", use: accounts)
        router.get("units/:serial", use: unit)
        router.get("customers/:key", use: customer)
        router.get("cases/new", use: newCaseForm)
        router.post("cases", use: openCase)
        router.get("cases/:number", use: supportCase)
        router.post("cases/:number/diagnosis", use: diagnose)
        router.post("cases/:number/attachments", use: attach)
        router.get("attachments/:id", use: attachment)
        router.post("cases/:number/:action", use: caseStep)
        router.get("rmas/:number", use: rma)
        router.get("rmas/:number/label", use: labelPage)
        router.get("rmas/:number/label.svg", use: labelSVG)
        router.post("rmas/:number/:action", use: rmaStep)
        router.get("reports", use: reports)
        router.get("reports/:name", use: report)
    }

    // MARK: Signing in and out

    /// The page each role starts on.
    static func home(of role: Role) -> String {
        switch role {
        case .supportEngineer, .admin: "/support"
        case .logistics: "/logistics"
        case .accountManager: "/accounts"
        }
    }

    @Sendable func home(_ request: Request, context: DepotRequestContext) async throws -> Response {
        guard let actor = context.actor else { return PageRenderer.redirect("/sign-in") }
        return PageRenderer.redirect(Self.home(of: actor.role))
    }

    /// Only same-site paths are followed after signing in (no open redirect).
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }

    @Sendable func signInForm(_ request: Request, context: DepotRequestContext) async throws -> Response {
        signInPage(context: context, next: Self.safeNext(request.uri.queryParameters.get("next")), name: "", problem: nil, status: .ok)
    }

    private func signInPage(context: DepotRequestContext, next: String?, name: String, problem: String?, status: HTTPResponse.Status)
        -> Response
    {
        let token = Credentials.newToken()
        var response = pages.render(
            SignInPage(token: token, next: next ?? "", name: name, problem: problem ?? ""), context: DepotRequestContext.anonymous(context),
            status: status)
        response.setCookie(WebSessions.cookie(token, maxAge: 3600, secure: secureCookies, name: WebSessions.signInCookieName))
        return response
    }

    @Sendable func signIn(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let form = try await Form.read(request, csrf: nil)
        guard let expected = request.cookies[WebSessions.signInCookieName]?.value, let sent = form.fields["token"],
            WebSessions.equal(expected, sent)
        else {
            throw APIError(status: .forbidden, code: "csrf", message: "the sign-in form is out of date: reload the page and sign in again")
        }
        let name = form.optional("name") ?? ""
        let password = form.fields["password"] ?? ""
        let next = Self.safeNext(form.optional("next"))
        let database = database
        let user = try await Blocking.run { () -> StoredUser? in
            guard let user = try database.user(named: name) else {
                // The same slow work as a real check, so that timing does not tell which names exist.
                _ = Credentials.verify(password, hash: Credentials.decoyHash)
                return nil
            }
            return Credentials.verify(password, hash: user.passwordHash) ? user : nil
        }
        guard let user else {
            return signInPage(
                context: context, next: next, name: name, problem: "Unknown user name or wrong password.", status: .unauthorized)
        }
        let value = Credentials.newToken()
        let at = now()
        let expires = Instant(secondsSinceEpoch: at.secondsSinceEpoch + WebSessions.lifetime)
        try await Blocking.run {
            try database.createSession(
                idHash: Credentials.hashToken(value), user: user, csrfToken: Credentials.newToken(), at: at, expiresAt: expires)
        }
        var response = PageRenderer.redirect(next ?? Self.home(of: user.role))
        response.setCookie(WebSessions.cookie(value, maxAge: Int(WebSessions.lifetime), secure: secureCookies))
        response.setCookie(WebSessions.cookie("", maxAge: 0, secure: secureCookies, name: WebSessions.signInCookieName))
        return response
    }

    @Sendable func signOut(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        _ = try await Form.read(request, csrf: context.csrfToken)
        if let hash = context.sessionHash {
            sessions.forget(hash)
            let database = database
            try await Blocking.run { try database.deleteSession(idHash: hash) }
        }
        var response = PageRenderer.redirect("/sign-in")
        response.setCookie(WebSessions.cookie("", maxAge: 0, secure: secureCookies))
        return response
    }

    @Sendable func stylesheet(_ request: Request, context: DepotRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: pages.stylesheet)))
    }

    /// Renders the page `read` makes from the database, on the thread pool.
    private func page<Page: PageModel>(
        _ context: DepotRequestContext, _ read: @escaping @Sendable (DepotDatabase, Instant) throws -> Page
    ) async throws -> Response {
        let (database, pages, at) = (database, pages, now())
        return try await Blocking.run { pages.render(try read(database, at), context: context) }
    }

    /// The signed-in user, or a 401 (which the web error middleware turns into the sign-in page).
    private func requireUser(_ context: DepotRequestContext) throws -> Actor { try context.requireActor() }

    // MARK: Search

    /// `GET /search?q=`: a serial (what a barcode scanner types), a case or an RMA number, or a customer key.
    @Sendable func search(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let query = (request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else {
            throw APIError(status: .badRequest, code: "invalid", message: "type a serial number, a case or RMA number, or a customer")
        }
        let upper = query.uppercased()
        let database = database
        let day = now().utcDate
        let target: String? = try await Blocking.run {
            if upper.hasPrefix("CS-"), (try? database.caseDetail(upper, now: Instant(utcDate: day))) != nil { return "/cases/\(upper)" }
            if upper.hasPrefix("RMA-"), (try? database.rmaDetail(upper, now: Instant(utcDate: day))) != nil { return "/rmas/\(upper)" }
            if let unit = try? database.unitDetail(query) { return "/units/\(unit.serial)" }
            if (try? database.customerDetail(query, at: now())) != nil { return "/customers/\(query)" }
            return nil
        }
        guard let target else { throw APIError(status: .notFound, code: "not-found", message: "nothing found for \"\(query)\"") }
        return PageRenderer.redirect(Self.path(target))
    }

    /// A path with its segments percent-encoded (keys and serials may hold any character).
    static func path(_ path: String) -> String {
        path.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#"])) ?? String($0)
        }
        .reduce("") { $0 + "/" + $1 }
    }

    // MARK: The support view

    @Sendable func support(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        return try await page(context) { database, at in try SupportPage(database: database, now: at) }
    }

    @Sendable func newCaseForm(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let query = request.uri.queryParameters
        return pages.render(NewCasePage(serial: query.get("serial") ?? "", customer: query.get("customer") ?? ""), context: context)
    }

    @Sendable func openCase(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let form = try await Form.read(request, csrf: context.csrfToken)
        let new = NewCase(
            customer: try form.required("customer"), contact: try form.required("contact"), type: try form.value("type", as: CaseType.self),
            serial: form.optional("serial"), impact: try form.value("impact", as: Level.self),
            urgency: try form.value("urgency", as: Level.self), title: try form.required("title"),
            description: form.optional("description") ?? "", priority: try form.optionalValue("priority", as: Priority.self),
            priorityReason: form.optional("reason"), productVersion: form.optional("version"))
        let database = database
        let at = now()
        let number = try await database.grouped { try database.openCase(new, at: at, actor: actor) }
        return PageRenderer.redirect(Self.path("/cases/\(number)"))
    }

    @Sendable func supportCase(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let number = try context.parameters.require("number")
        return try await page(context) { database, at in try CasePage(number, actor: actor, database: database, now: at) }
    }

    /// `POST /cases/{number}/attachments`: the case page's upload form (multipart/form-data, streamed to disk).
    @Sendable func attach(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        try actor.require(.manageCases)
        let number = try context.parameters.require("number")
        let database = database
        let form = try await MultipartUpload.read(request, csrf: context.csrfToken, database: database)
        guard let upload = form.upload, let fileName = form.fileName else {
            throw APIError(status: .badRequest, code: "invalid", message: "choose a file to attach (an empty file is refused)")
        }
        let box = UploadBox(upload)
        let secure = form.fields["secure"] != nil
        let fileType = form.fileType
        let at = now()
        _ = try await Blocking.run {
            try database.attach(box.upload, to: number, name: fileName, mediaType: fileType, secure: secure, at: at, actor: actor)
        }
        return PageRenderer.redirect(Self.path("/cases/\(number)"))
    }

    /// `GET /attachments/{id}`: an attachment, as a download.
    @Sendable func attachment(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        return try await AttachmentController.file(request, context: context, database: database)
    }

    @Sendable func diagnose(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let number = try context.parameters.require("number")
        let form = try await Form.read(request, csrf: context.csrfToken)
        let serial = try form.required("serial")
        let verdict = try form.value("verdict", as: Verdict.self)
        let note = try form.required("note")
        let database = database
        let at = now()
        let outcome = try await database.grouped {
            try database.diagnose(
                serial: serial, caseNumber: number, verdict: verdict, note: note, checks: form.optional("checks") ?? "", at: at,
                actor: actor)
        }
        return PageRenderer.redirect(Self.path(outcome.rma.map { "/rmas/\($0)" } ?? "/cases/\(number)"))
    }

    @Sendable func caseStep(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let number = try context.parameters.require("number")
        let name = try context.parameters.require("action")
        guard let action = CaseStateMachine.Action(rawValue: name) else {
            throw APIError(status: .notFound, code: "not-found", message: "no case step \"\(name)\"")
        }
        let form = try await Form.read(request, csrf: context.csrfToken)
        let database = database
        let at = now()
        try await database.grouped {
            try database.advanceCase(
                number, action, confirmedBy: form.optional("confirmedBy"), note: form.optional("note"), at: at, actor: actor)
        }
        return PageRenderer.redirect(Self.path("/cases/\(number)"))
    }

    // MARK: Units and customers

    @Sendable func unit(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let serial = try context.parameters.require("serial")
        return try await page(context) { database, at in try UnitPage(serial, database: database, now: at) }
    }

    @Sendable func customer(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let key = try context.parameters.require("key")
        return try await page(context) { database, at in try CustomerPage(key, database: database, now: at) }
    }

    // MARK: Logistics

    @Sendable func logistics(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        return try await page(context) { database, at in try LogisticsPage(actor: actor, database: database, now: at) }
    }

    @Sendable func rma(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let number = try context.parameters.require("number")
        return try await page(context) { database, at in try RMAPage(number, actor: actor, database: database, now: at) }
    }

    /// `GET /rmas/{number}/label?direction=replacement|return`: the label on a page that prints as the label alone.
    @Sendable func labelPage(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let number = try context.parameters.require("number").uppercased()
        let direction = try WorkflowController.labelDirection(request)
        return try await page(context) { database, _ in
            _ = try database.rmaLabel(number, direction: direction)  // 404 / 409 here, not as a broken image
            return LabelPage(number: number, direction: direction)
        }
    }

    /// `GET /rmas/{number}/label.svg?direction=`: the label itself.
    @Sendable func labelSVG(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        return try await WorkflowController.labelResponse(request, context: context, database: database)
    }

    @Sendable func rmaStep(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try requireUser(context)
        let number = try context.parameters.require("number")
        let name = try context.parameters.require("action")
        guard let action = RMAAction(rawValue: name) else {
            throw APIError(status: .notFound, code: "not-found", message: "no RMA step \"\(name)\"")
        }
        let form = try await Form.read(request, csrf: context.csrfToken)
        let database = database
        let at = now()
        let details = RMAStepDetails(
            serial: form.optional("serial"), carrier: form.optional("carrier"), tracking: form.optional("tracking"),
            outcome: try form.optionalValue("outcome", as: ReferralOutcome.self), reason: form.optional("reason"))
        try await database.grouped { try database.advanceRMA(number, action, details, at: at, actor: actor) }
        let back = Self.safeNext(form.optional("back")) ?? Self.path("/rmas/\(number)")
        return PageRenderer.redirect(back)
    }

    // MARK: Account managers and reports

    @Sendable func accounts(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        return try await page(context) { database, at in try AccountsPage(database: database, now: at) }
    }

    @Sendable func reports(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        return pages.render(ReportsPage(), context: context)
    }

    /// `GET /reports/{name}`: the report as a page (its first 500 rows); `GET /reports/{name}.csv`: the same report as CSV.
    @Sendable func report(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try requireUser(context)
        let name = try context.parameters.require("name")
        let (report, parameters) = try ReportRequest.parse(request, name: name, now: now(), policy: database.policy)
        if name.hasSuffix(".csv") { return try CSVDownload.response(report, parameters: parameters, database: database) }
        let database = database
        let table = try await Blocking.run { ReportTableModel(try database.table(report, parameters: parameters, limit: 500)) }
        return pages.render(ReportPage(report, parameters: parameters, query: request.uri.query, table: table), context: context)
    }
}

extension DepotRequestContext {
    /// The context without its user: for pages shown to someone signing in.
    static func anonymous(_ context: DepotRequestContext) -> DepotRequestContext {
        var copy = context
        copy.actor = nil
        copy.csrfToken = nil
        return copy
    }
}
