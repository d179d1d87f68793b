import DepotStore
import Hummingbird

/// The context of every request: who is signed in, once a middleware has checked the credentials.
public struct DepotRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, when there is one.
    public var actor: Actor?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The signed-in user, or a 401.
    func requireActor() throws -> Actor {
        guard let actor else { throw APIError(status: .unauthorized, code: "unauthenticated", message: "sign in or send Authorization: Bearer TOKEN") }
        return actor
    }
}
