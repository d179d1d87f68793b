import DepotCore
import DepotStore
import Hummingbird

/// `POST /api/v1/cases/{number}/{assign|take|priority|escalate}`: a case's owner, its priority, and an escalation the
/// customer asked for (SPEC.md 3).
extension APIController {
    struct AssignBody: APIBody {
        let to: String
        enum CodingKeys: String, CodingKey, CaseIterable { case to }
    }
    struct PriorityBody: APIBody {
        let priority: Priority
        let reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case priority, reason }
    }
    struct EscalateBody: APIBody {
        let requestedBy: String
        let reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case requestedBy, reason }
    }

    /// The steps of this file, each its own route (`addRoutes`).
    static let ownershipSteps: Set<String> = ["assign", "take", "priority", "escalate"]

    /// Runs the ownership step `name` on case `number`.
    func ownershipStep(_ name: String, number: CaseNumber, request: Request, actor: ActingUser) async throws -> Response {
        let database = database
        let at = now()
        switch name {
        case "assign":
            let (body, content) = try await request.decodeJSONKeepingBody(AssignBody.self)
            return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
                try database.assignCase(number, to: body.to, at: at, actor: actor)
            }
        case "take":
            let (_, content) = try await request.decodeJSONKeepingBody(EmptyBody.self)
            return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
                try database.assignCase(number, to: actor.user, onlyIfFree: true, at: at, actor: actor)
            }
        case "priority":
            let (body, content) = try await request.decodeJSONKeepingBody(PriorityBody.self)
            return try await IdempotentWrites.respond(request, actor: actor, content: [content], database: database, at: at) {
                try database.changePriority(number, to: body.priority, reason: body.reason, at: at, actor: actor)
            }
        default:
            let (body, content) = try await request.decodeJSONKeepingBody(EscalateBody.self)
            return try await IdempotentWrites.respond(
                request, actor: actor, content: [content], database: database, at: at, status: .created,
                location: { _ in "/api/v1/cases/\(number.text)" }
            ) {
                try database.recordCustomerEscalation(number, requestedBy: body.requestedBy, reason: body.reason, at: at, actor: actor)
            }
        }
    }
}
