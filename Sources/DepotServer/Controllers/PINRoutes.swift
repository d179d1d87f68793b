import DepotCore
import DepotStore
import Hummingbird

/// `POST /api/v1/customers/{key}/pin`: a customer's after-hours PIN (SPEC.md 8), made and answered once.
extension APIController {
    struct PINBody: APIBody {
        /// Replace a PIN the customer has (the old one stops working); without it, a customer with a PIN is a 409.
        let rotate: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case rotate }
    }

    struct NewPIN: Encodable {
        let customer: String
        let pin: String
    }

    /// 201 with `{"customer", "pin"}`: the only time the PIN is shown. Never recorded for an Idempotency-Key (a retry
    /// would show the PIN again); a second request is a 409 unless it rotates.
    @Sendable func setPIN(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.setPIN)
        let key = try context.pathParameter("key")
        let body = try await request.decodeJSONKeepingBody(PINBody.self).0
        let database = database
        let at = now()
        let pin = Credentials.newPIN()
        let state = try await ThreadPool.run {
            try database.setCustomerPIN(key, hash: Credentials.hashPassword(pin), rotate: body.rotate ?? false, at: at, actor: actor)
        }
        var response = try JSONResponse(NewPIN(customer: state.customer, pin: pin), status: .created).response(
            from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        let segment = state.customer.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~")))
        response.headers[.location] = "/api/v1/customers/\(segment ?? state.customer)"
        return response
    }
}
