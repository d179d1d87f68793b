import DepotCore
import Foundation

/// Who makes a change: recorded in the audit log with every change, and checked against the role.
public struct ActingUser: Sendable, Equatable {
    /// The user's name.
    public let user: String
    /// The user's role.
    public let role: Role

    /// Creates an actor.
    public init(user: String, role: Role) {
        self.user = user
        self.role = role
    }

    /// The actor of scheduled work (escalation checks) run by Depot itself.
    public static let system = ActingUser(user: "depot", role: .admin)

    /// Throws a refusal when the role does not allow `permission`.
    public func require(_ permission: Permission) throws(DepotError) {
        guard role.allows(permission) else {
            throw .forbidden(user: user, role: role.rawValue, permission: permission.rawValue)
        }
    }
}
