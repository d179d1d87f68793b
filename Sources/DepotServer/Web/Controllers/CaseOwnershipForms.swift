import DepotCore
import DepotStore
import Hummingbird

/// The case page's forms for its owner ("take", "assign to"), its priority and an escalation the customer asked for.
extension CasePagesController {
    /// The fields each of these forms has, by its step.
    static let ownershipFields: [String: Set<String>] = [
        "assign": ["to"], "take": [], "priority": ["priority", "reason"], "escalate": ["requestedBy", "reason"],
    ]

    func ownershipStep(_ name: String, number: CaseNumber, request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await Form.read(request, csrf: context.csrfToken)
        let (database, at) = (pages.database, pages.now())
        do {
            let message: String
            switch name {
            case "assign":
                let to = try form.required("to")
                let done = try await database.grouped { try database.assignCase(number, to: to, at: at, actor: actor) }
                message = ActionMessages.assigned(done)
            case "take":
                let done = try await database.grouped {
                    try database.assignCase(number, to: actor.user, onlyIfFree: true, at: at, actor: actor)
                }
                message = ActionMessages.assigned(done)
            case "priority":
                let priority = try form.value("priority", as: Priority.self)
                let reason = try form.required("reason")
                let done = try await database.grouped {
                    try database.changePriority(number, to: priority, reason: reason, at: at, actor: actor)
                }
                message = ActionMessages.priorityChanged(done)
            default:
                let requestedBy = try form.required("requestedBy")
                let reason = try form.required("reason")
                let done = try await database.grouped {
                    try database.recordCustomerEscalation(number, requestedBy: requestedBy, reason: reason, at: at, actor: actor)
                }
                message = ActionMessages.customerEscalation(done)
            }
            return pages.done(WebPaths.record("cases", number.text), message)
        } catch {
            return try await refused(
                error, form: form, name: "step-\(name)", fields: Self.ownershipFields[name] ?? [], case: number, context)
        }
    }
}
