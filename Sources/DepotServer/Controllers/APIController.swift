import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The JSON API under `/api/v1`.
struct APIController {
    let database: DepotDatabase
    let now: @Sendable () -> Instant
    /// Where after-hours PINs are checked (their slow hash), a bounded number at once.
    let passwordChecks: PasswordChecks

    func addRoutes(to group: RouterGroup<DepotRequestContext>) {
        group.get("units", use: units)
        group.get("units/:serial", use: unit)
        group.get("customers", use: customers)
        group.get("customers/:key", use: customer)
        group.get("customers/:key/export", use: exportCustomer)
        group.post("customers/:key/erase-contacts", use: eraseContacts)
        group.post("customers/:key/pin", use: setPIN)
        group.post("cases", use: openCase)
        group.get("cases/:number", use: caseDetail)
        // Each step its own route, with the body it takes (the document describes each one).
        for action in CaseStateMachine.Action.allCases {
            group.post("cases/:number/\(action.rawValue)") { request, context in try await caseStep(action, request, context: context) }
        }
        for step in Self.ownershipSteps.sorted() {
            group.post("cases/:number/\(step)") { request, context in
                try await ownershipStep(step, number: try context.caseNumber(), request: request, actor: try context.requireActor())
            }
        }
    }

    /// The body of most case steps: an optional note.
    struct NoteBody: APIBody {
        let note: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case note }
    }

    /// The body of `wait`: why the case waits on the customer.
    struct WaitBody: APIBody {
        let reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    /// The body of `reopen`: which of the customer's contacts asked for it, when one did.
    struct ReopenBody: APIBody {
        let confirmedBy: String?
        let note: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case confirmedBy, note }
    }

    /// The body of `close`: who at the customer confirmed it.
    struct CloseBody: APIBody {
        let confirmedBy: String
        let note: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case confirmedBy, note }
    }

    struct CaseStatusBody: Encodable { let `case`: String; let status: CaseStatus }

    /// `POST /api/v1/cases/{number}/{respond|workaround|wait|resume|resolve|reopen|close}`: 409 when the case's status does not
    /// allow it; the ownership steps are in `CaseOwnershipRoutes`.
    func caseStep(_ action: CaseStateMachine.Action, _ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let number = try context.caseNumber()
        let (confirmedBy, note, content): (String?, String?, Data)
        switch action {
        case .wait:
            let (body, data) = try await request.decodeJSONKeepingBody(WaitBody.self)
            (confirmedBy, note, content) = (nil, body.reason, data)
        case .close:
            let (body, data) = try await request.decodeJSONKeepingBody(CloseBody.self)
            (confirmedBy, note, content) = (body.confirmedBy, body.note, data)
        case .reopen:
            let (body, data) = try await request.decodeJSONKeepingBody(ReopenBody.self)
            (confirmedBy, note, content) = (body.confirmedBy, body.note, data)
        default:
            let (body, data) = try await request.decodeJSONKeepingBody(NoteBody.self)
            (confirmedBy, note, content) = (nil, body.note, data)
        }
        let database = database
        let at = now()
        return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
            try database.advanceCase(number, action, confirmedBy: confirmedBy, note: note, at: at, actor: actor)
            let detail = try database.caseDetail(number, now: at)
            return CaseStatusBody(case: detail.number.text, status: detail.status)
        }
    }

    /// `GET /api/v1/units/{serial}`
    @Sendable func unit(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let serial = try context.serial()
        let database = database
        // On SQLite in place: a point read by a unique index (see `PointReaders`); the thread pool's hop cost more than
        // the read. On PostgreSQL the read waits on the network: on the thread pool, never on an event loop.
        let detail = database.isPostgres ? try await ThreadPool.run { try database.unitDetail(serial) } : try database.unitDetail(serial)
        let bytes = JSONWriter.unit(detail)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `GET /api/v1/customers?limit=&offset=`
    @Sendable func customers(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<
        WorkflowController.Page<CustomerSummary>
    > {
        _ = try context.requireActor()
        let (limit, offset) = try WorkflowController.paging(request)
        let database = database
        let at = now()
        let items = try await ThreadPool.run { try database.customers(at: at, limit: limit + 1, offset: offset) }
        return JSONResponse(.init(items: Array(items.prefix(limit)), next: items.count > limit ? offset + limit : nil))
    }

    /// `GET /api/v1/units?serial=PART&customer=&model=&status=&limit=&offset=`: a page of units by serial; `serial`
    /// matches any part of a serial in any letter case.
    @Sendable func units(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<
        WorkflowController.Page<UnitSummary>
    > {
        _ = try context.requireActor()
        let (limit, offset) = try WorkflowController.paging(request)
        let query = try request.queryForm()
        let filter = UnitFilter(
            status: try WorkflowController.value(request, "status", as: ApplianceStatus.self), model: query.optional("model"),
            customer: query.optional("customer"), serialContains: query.optional("serial"))
        let database = database
        let listing = try await ThreadPool.run {
            try database.unitListing(filter, order: ListOrder(.serial), limit: limit + 1, offset: offset)
        }
        let items = listing.items
        return JSONResponse(.init(items: Array(items.prefix(limit)), next: items.count > limit ? offset + limit : nil))
    }

    /// `GET /api/v1/customers/{key}/export`: everything Depot holds about the customer, as a ZIP (admin only).
    @Sendable func exportCustomer(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.handleCustomerData)
        let key = try context.pathParameter("key")
        let database = database
        let at = now()
        let headers: HTTPFields = [
            .contentType: "application/zip", .contentDisposition: AttachmentController.contentDisposition("\(key)-export.zip"),
            .cacheControl: "private, no-store",
        ]
        // HEAD: the customer is there and may be exported; nothing is built, nothing audited.
        if HeadRequestFlag.isHead {
            _ = try await ThreadPool.run { try database.customerDetail(key, at: at) }
            return Response(status: .ok, headers: headers)
        }
        let path = NSTemporaryDirectory() + "depot-export-\(UUID().uuidString).zip"
        defer { unlink(path) }
        let data = try await ThreadPool.run { () throws -> Data in
            _ = try database.exportCustomer(key, to: path, at: at, actor: actor)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DepotError.storage(path: path, message: "the export vanished")
            }
            return data
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct EraseBody: APIBody {
        let contact: String?
        let confirm: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case contact, confirm }
    }

    /// `POST /api/v1/customers/{key}/erase-contacts` with `{"confirm": true, "contact": optional e-mail}` (admin only).
    @Sendable func eraseContacts(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.handleCustomerData)
        let key = try context.pathParameter("key")
        let (body, content) = try await request.decodeJSONKeepingBody(EraseBody.self)
        guard body.confirm == true else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "confirm: erasing personal data cannot be undone; send \"confirm\": true",
                field: "confirm")
        }
        let database = database
        let at = now()
        return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
            try database.eraseContacts(of: key, contact: body.contact, at: at, actor: actor)
        }
    }

    /// `GET /api/v1/customers/{key}`: sites, contracts, contacts and counts.
    @Sendable func customer(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<CustomerDetail> {
        _ = try context.requireActor()
        let key = try context.pathParameter("key")
        let database = database
        let at = now()
        return JSONResponse(try await ThreadPool.run { try database.customerDetail(key, at: at) })
    }

    /// The body of `POST /api/v1/cases`: the fields of `depot case open`.
    struct NewCaseBody: APIBody {
        let customer: String
        let contact: String
        let type: CaseType
        let serial: String?
        let impact: Level
        let urgency: Level
        let title: String
        let description: String?
        let priority: Priority?
        let reason: String?
        let softwareVersion: String?
        /// The customer's after-hours PIN, for a case opened while its region is closed (SPEC.md 8).
        let pin: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case customer, contact, type, serial, impact, urgency, title, description, priority, reason, softwareVersion, pin
        }
    }

    /// The answer to an opening: `{"case"}`; and, only when a round-the-clock tier's case was opened while its
    /// region was closed, `"afterHours"` (a valid PIN), `"clockNote"` (why its clocks run as they do) and `"clocksFrom"`.
    struct OpenedCase: Encodable {
        let opened: DepotStore.OpenedCase

        init(_ opened: DepotStore.OpenedCase) { self.opened = opened }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(opened.number.text, forKey: .case)
            guard let afterHours = opened.afterHours else { return }
            try container.encode(afterHours.wallClock, forKey: .afterHours)
            try container.encode(afterHours.explanation, forKey: .clockNote)
            try container.encode(opened.clocksFrom, forKey: .clocksFrom)
        }

        enum CodingKeys: String, CodingKey {
            case `case`, afterHours, clockNote, clocksFrom
        }
    }

    /// `POST /api/v1/cases`: 201 with `{"case": "CS-..."}`.
    @Sendable func openCase(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (body, content) = try await request.decodeJSONKeepingBody(NewCaseBody.self)
        var new = NewCase(
            customer: body.customer, contact: body.contact, type: body.type, serial: try Serial.fieldIfGiven(body.serial, name: "serial"),
            impact: body.impact,
            urgency: body.urgency, title: body.title, description: body.description ?? "", priority: body.priority,
            priorityReason: body.reason, softwareVersion: body.softwareVersion)
        let database = database
        // The Idempotency-Key's fingerprint never holds the PIN (8 digits are quick to guess back from a hash).
        let fingerprinted = body.pin == nil ? content : try Self.withoutPIN(content)
        if let pin = body.pin {
            // The slow hash's check runs on the password checks' threads, before the case's transaction.
            new.pin = try await passwordChecks.checkPIN(database, customer: body.customer, pin: pin)
        }
        let at = now()
        return try await IdempotentWrites.openCase(request, actor: actor, content: [fingerprinted], database: database, at: at, new)
    }

    /// The body without its `pin` field, keys sorted: what a keyed request is fingerprinted by.
    static func withoutPIN(_ content: Data) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: content) as? [String: Any] else { return content }
        object["pin"] = nil
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// `GET /api/v1/cases/{number}`
    @Sendable func caseDetail(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<CaseDetail> {
        _ = try context.requireActor()
        let number = try context.caseNumber()
        let database = database
        let at = now()
        return JSONResponse(try await ThreadPool.run { try database.caseDetail(number, now: at) })
    }
}
