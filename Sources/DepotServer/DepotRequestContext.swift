import DepotStore
import Foundation
import Hummingbird
import NIOCore

/// The context of every request: who is signed in, once a middleware has checked the credentials.
public struct DepotRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, when there is one.
    public var actor: ActingUser?
    /// The CSRF token of the signed-in browser session, which every form of it carries.
    public var csrfToken: String?
    /// The SHA-256 of the session cookie's value, for signing out.
    public var sessionHash: String?
    /// What the previous action did ("Spare SP000014 allocated to RMA-2026-000017"), shown once at the top of the page
    /// the action redirected to (`Flash`).
    public var flash: String?
    /// The browser's own time zone (`depot.js` sends it), in which pages show times as well as in the record's.
    public var viewerZone: TimeZone?
    /// The client's address as per-client limits count it ("unknown" without one): the connection's, or behind a
    /// trusted proxy the one it forwarded (`ClientAddressMiddleware`).
    public var clientAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The signed-in user, or a 401.
    func requireActor() throws -> ActingUser {
        guard let actor else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "sign in or send Authorization: Bearer TOKEN")
        }
        return actor
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
