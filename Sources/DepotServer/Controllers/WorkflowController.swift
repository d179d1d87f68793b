import DepotCore
import DepotReports
import DepotStore
import Foundation
import Hummingbird

/// The API's lists, diagnosis, RMAs and their steps, and reports as CSV.
struct WorkflowController {
    let database: DepotDatabase
    let now: @Sendable () -> Instant

    func addRoutes(to group: RouterGroup<DepotRequestContext>) {
        group.get("cases", use: listCases)
        group.post("diagnoses", use: diagnose)
        group.get("rmas", use: listRMAs)
        group.get("rmas/:number", use: rma)
        group.get("rmas/:number/label", use: label)
        // Each step its own route, with the body it takes (the document describes each one).
        for action in RMAAction.allCases {
            group.post("rmas/:number/\(action.rawValue)") { request, context in try await rmaStep(action, request, context: context) }
        }
        group.get("reports/:name", use: report)
    }

    /// A page of a list: the items and the offset of the next page, when there is one.
    struct Page<Item: Encodable>: Encodable {
        let items: [Item]
        @NullEncodable var next: Int?

        enum CodingKeys: String, CodingKey { case items, next }
    }

    /// `limit` (1 to 500, default 100) and `offset` from the query string.
    /// The largest offset a page may start at (the document's maximum).
    static let maximumOffset = 1_000_000_000

    static func paging(_ request: Request) throws -> (limit: Int, offset: Int) {
        func number(_ key: String, default value: Int) throws -> Int {
            guard let text = try request.queryForm().get(key) else { return value }
            guard let number = Int(text) else {
                throw APIError(status: .badRequest, code: "invalid", message: "\(key): must be a whole number", field: key)
            }
            return number
        }
        let limit = try number("limit", default: 100)
        let offset = try number("offset", default: 0)
        guard (1...500).contains(limit) else {
            throw APIError(status: .badRequest, code: "invalid", message: "limit: must be from 1 to 500", field: "limit")
        }
        guard (0...maximumOffset).contains(offset) else {
            throw APIError(status: .badRequest, code: "invalid", message: "offset: must be from 0 to \(maximumOffset)", field: "offset")
        }
        return (limit, offset)
    }

    /// A yes-or-no query parameter: `true` or `false` in any letter case, absent is false; anything else is a 400
    /// (a filter silently dropped would answer with what was not asked for).
    static func flag(_ query: Form, _ name: String, emptyIsAbsent: Bool = false) throws -> Bool {
        // Given but empty (`open=`) is not false on the API: a client that meant something else is told. A page's
        // form sends its empty fields, so there it is absent.
        if !emptyIsAbsent, let raw = query.fields[name], raw.trimmingSpaces().isEmpty {
            throw APIError(status: .badRequest, code: "invalid", message: "\(name): must be true or false", field: name)
        }
        guard let text = query.optional(name) else { return false }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError(status: .badRequest, code: "invalid", message: "\(name): must be true or false", field: name)
        }
    }

    /// An enum query parameter, or a 400 naming it.
    static func value<T: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, as type: T.Type) throws -> T?
    where T.RawValue == String {
        let query = try request.queryForm()
        guard let text = query.optional(name) else {
            // Given but empty (`priority=`) is not "any": a client that meant something else is told.
            if query.fields[name] != nil {
                throw APIError(
                    status: .badRequest, code: "invalid",
                    message: "\(name): must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", field: name)
            }
            return nil
        }
        guard let value = T(rawValue: text) else {
            throw APIError(
                status: .badRequest, code: "invalid",
                message: "\(name): must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))",
                field: name)
        }
        return value
    }

    /// `GET /api/v1/cases?customer=&status=&priority=&region=&open=true&limit=&offset=`
    @Sendable func listCases(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<Page<CaseSummary>> {
        _ = try context.requireActor()
        let (limit, offset) = try Self.paging(request)
        let query = try request.queryForm()
        let filter = CaseFilter(
            customer: query.optional("customer"), status: try Self.value(request, "status", as: CaseStatus.self),
            priority: try Self.value(request, "priority", as: Priority.self), region: query.optional("region"),
            unresolvedOnly: try Self.flag(query, "open"))
        let database = database
        let at = now()
        let items = try await ThreadPool.run { try database.cases(filter, now: at, limit: limit + 1, offset: offset) }
        return JSONResponse(Page(items: Array(items.prefix(limit)), next: items.count > limit ? offset + limit : nil))
    }

    struct DiagnosisBody: APIBody {
        let serial: String
        let `case`: String
        let verdict: Verdict
        let note: String
        let checks: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case serial, `case`, verdict, note, checks }
    }

    /// `POST /api/v1/diagnoses`: 201 with `{"verdict", "rma", "path", "shipBy", ...}`.
    @Sendable func diagnose(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (body, content) = try await request.decodeJSONKeepingBody(DiagnosisBody.self)
        let database = database
        let at = now()
        // What the diagnosis made: its RMA, or else the case it is recorded on.
        let caseNumber = body.case
        let location: IdempotentWrites.Location = { answer in
            (answer["rma"] as? String).map { "/api/v1/rmas/\($0)" } ?? "/api/v1/cases/\(caseNumber)"
        }
        return try await IdempotentWrites.respond(
            request, actor: actor, content: [content], database: database, at: at, status: .created, location: location
        ) {
            try database.diagnose(
                serial: try Serial.field(body.serial, name: "serial"), caseNumber: try CaseNumber.named(body.case), verdict: body.verdict,
                note: body.note,
                checks: body.checks ?? "",
                at: at, actor: actor)
        }
    }

    /// `GET /api/v1/rmas?state=&path=&customer=&open=true&overdue=true&limit=&offset=`
    @Sendable func listRMAs(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<Page<RMADetail>> {
        _ = try context.requireActor()
        let (limit, offset) = try Self.paging(request)
        let query = try request.queryForm()
        let filter = RMAFilter(
            state: try Self.value(request, "state", as: RMAState.self), path: try Self.value(request, "path", as: RMAPath.self),
            customer: query.optional("customer"), openOnly: try Self.flag(query, "open"), overdueOnly: try Self.flag(query, "overdue"))
        let database = database
        let at = now()
        let items = try await ThreadPool.run { try database.rmas(filter, now: at, limit: limit + 1, offset: offset) }
        return JSONResponse(Page(items: Array(items.prefix(limit)), next: items.count > limit ? offset + limit : nil))
    }

    /// `GET /api/v1/rmas/{number}`
    @Sendable func rma(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<RMADetail> {
        _ = try context.requireActor()
        let number = try context.rmaNumber()
        let database = database
        let at = now()
        return JSONResponse(try await ThreadPool.run { try database.rmaDetail(number, now: at) })
    }

    /// `GET /api/v1/rmas/{number}/label?direction=replacement|return`: the shipping label as SVG.
    @Sendable func label(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        return try await Self.labelResponse(request, context: context, database: database)
    }

    /// The label of `rmas/{number}/label...` with `?direction=`, as `image/svg+xml`; 400 for another direction.
    static func labelResponse(_ request: Request, context: DepotRequestContext, database: DepotDatabase) async throws -> Response {
        let number = try context.rmaNumber()
        let direction = try labelDirection(request)
        let label = try await ThreadPool.run { try database.rmaLabel(number, direction: direction) }
        let svg: String
        do { svg = try label.svg() } catch { throw APIError(status: .conflict, code: "refused", message: error.description) }
        // Opened on its own, an SVG is a document: it may draw, never run anything (issue 19).
        var headers: HTTPFields = [.contentType: "image/svg+xml; charset=utf-8", .cacheControl: "private, no-store"]
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: svg)))
    }

    /// The `?direction=` of a label request: `replacement` (the default) or `return`; 400 for anything else.
    static func labelDirection(_ request: Request) throws -> ShippingLabel.Direction {
        let name = try request.queryForm().get("direction") ?? "replacement"
        guard let direction = ShippingLabel.Direction(rawValue: name) else {
            throw APIError(status: .badRequest, code: "invalid", message: "direction: neither replacement nor return", field: "direction")
        }
        return direction
    }

    /// `allocate` and `receive`: which unit (allocate: a spare of the model, default the best one; receive: the
    /// returned unit's serial, as a check).
    struct SerialBody: APIBody {
        let serial: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case serial }
    }

    /// `ship` (both required) and `return-ship` (both optional).
    struct ShippingBody: APIBody {
        let carrier: String?
        let tracking: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case carrier, tracking }
    }

    struct ShipBody: APIBody {
        let carrier: String
        let tracking: String
        enum CodingKeys: String, CodingKey, CaseIterable { case carrier, tracking }
    }

    /// `close`: a sales referral's outcome.
    struct CloseRMABody: APIBody {
        let outcome: ReferralOutcome?
        enum CodingKeys: String, CodingKey, CaseIterable { case outcome }
    }

    /// `cancel`: why.
    struct CancelBody: APIBody {
        let reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    /// The details of step `action` from its body, and the body's bytes.
    static func stepDetails(_ action: RMAAction, _ request: Request) async throws -> (RMAStepDetails, Data) {
        switch action {
        case .allocate, .receive:
            let (body, data) = try await request.decodeJSONKeepingBody(SerialBody.self)
            return (RMAStepDetails(serial: try Serial.namedIfPresent(body.serial, field: "serial")), data)
        case .ship:
            let (body, data) = try await request.decodeJSONKeepingBody(ShipBody.self)
            return (RMAStepDetails(carrier: body.carrier, tracking: body.tracking), data)
        case .returnShip:
            let (body, data) = try await request.decodeJSONKeepingBody(ShippingBody.self)
            return (RMAStepDetails(carrier: body.carrier, tracking: body.tracking), data)
        case .close:
            let (body, data) = try await request.decodeJSONKeepingBody(CloseRMABody.self)
            return (RMAStepDetails(outcome: body.outcome), data)
        case .cancel:
            let (body, data) = try await request.decodeJSONKeepingBody(CancelBody.self)
            return (RMAStepDetails(reason: body.reason), data)
        case .deliver:
            return (RMAStepDetails(), try await request.decodeJSONKeepingBody(EmptyBody.self).body)
        }
    }

    /// `POST /api/v1/rmas/{number}/{allocate|ship|deliver|return-ship|receive|close|cancel}`: the RMA afterwards;
    /// 409 naming the allowed steps when its state does not allow this one.
    func rmaStep(_ action: RMAAction, _ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.rmaNumber()
        let (details, content) = try await Self.stepDetails(action, request)
        let database = database
        let at = now()
        return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
            try database.advanceRMA(number, action, details, at: at, actor: actor)
            return try database.rmaDetail(number, now: at)
        }
    }

    /// `GET /api/v1/reports/{name}?as-of=&within-days=&customer=&region=&account-manager=&since=&engineer=`: the CSV report, streamed.
    @Sendable func report(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let (report, parameters) = try ReportRequest.parse(
            request, name: try context.parameters.require("name"), now: now(), policy: database.policy)
        return try await CSVDownload.response(report, parameters: parameters, database: database)
    }
}

/// A report and its parameters from a request's path and query string (the API's and the web pages' alike).
enum ReportRequest {
    static func parse(_ request: Request, name: String, now: Instant, policy: Policy) throws -> (Report, ReportParameters) {
        let reportName = name.hasSuffix(".csv") ? String(name.dropLast(4)) : name
        guard let report = ReportCatalog.all.first(where: { $0.name == reportName }) else {
            throw APIError(status: .notFound, code: "not-found", message: "no report \"\(reportName)\"")
        }
        let query = try request.queryForm()
        func text(_ key: String) -> String? {
            guard let value = query.get(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func day(_ key: String) throws -> LocalDate? {
            guard let text = text(key) else { return nil }
            guard let day = LocalDate(iso: text) else {
                throw APIError(status: .badRequest, code: "invalid", message: "\(key): not a date (YYYY-MM-DD)", field: key)
            }
            return day
        }
        var withinDays: Int?
        if let value = text("within-days") {
            guard let days = Int(value), (0...3660).contains(days) else {
                throw APIError(
                    status: .badRequest, code: "invalid", message: "within-days: not a number of days from 0 to 3660", field: "within-days")
            }
            withinDays = days
        }
        let asOf = try day("as-of")
        let region = text("region").map(policy.regionID(typed:))
        var parameters = try report.parameters(
            asOf: asOf ?? policy.day(of: now, region: region), withinDays: withinDays, customer: text("customer"),
            region: region, accountManager: text("account-manager"), since: try day("since"), engineer: text("engineer"),
            spelledWith: "")
        // Without an as-of day, "today" is each row's region's own day (SPEC.md 2).
        if asOf == nil && region == nil { parameters.todayByRegion = ReportParameters.today(at: now, policy: policy).todayByRegion }
        return (report, parameters)
    }
}
