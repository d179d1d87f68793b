import DepotCore
import Foundation
import GRDB

/// Who makes a change: recorded in the audit log with every change, and checked against the role.
public struct Actor: Sendable, Equatable {
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
    public static let system = Actor(user: "depot", role: .admin)

    /// Throws a refusal when the role does not allow `permission`.
    public func require(_ permission: Permission) throws(DepotError) {
        guard role.allows(permission) else {
            throw .forbidden(user: user, role: role.rawValue, permission: permission.rawValue)
        }
    }
}

/// The append-only audit log (SPEC.md 7): who, in which role, when, what and why. Triggers in the
/// schema refuse every UPDATE and DELETE of it.
enum AuditLog {
    /// Appends one entry in the caller's transaction. `customerID` is the customer whose records the entry is
    /// about (`nil` for the vendor's own: models, depots, spares, users, imports); a customer's export and erasure
    /// select audit entries by it, never by a key another kind of record may share.
    static func record(
        _ db: Database, actor: Actor, at: Instant, recordedAt: Instant, action: String,
        entity: String, key: String, customerID: Int64?, reason: String? = nil, details: [String: String] = [:]
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO audit (recorded_at, at, user, role, action, entity, entity_key, customer_id, reason, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            recordedAt.description, at.description, actor.user, actor.role.rawValue, action, entity, key, customerID,
            reason, JSONText.object(details),
        ])
    }
}

/// Numbers that are never reused: `CS-2026-000042`, `RMA-2026-000007`, counted per kind and year.
enum Counters {
    static func next(_ db: Database, _ kind: NumberedKind, year: Int) throws -> String {
        let name = "\(kind.rawValue)-\(year)"
        let last =
            try Int.fetchOne(
                db, sql: "INSERT INTO counter (name, last) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last = last + 1 RETURNING last",
                arguments: [name]) ?? 1
        return kind.number(year: year, sequence: last)
    }
}

/// Small JSON texts for the database (audit details, notification payloads).
enum JSONText {
    static func object(_ fields: [String: String]) -> String {
        encode(fields)
    }

    /// A string as it appears inside a JSON string literal written by `encode` (without the quotes).
    static func escaped(_ text: String) -> String {
        String(encode([text]).dropFirst(2).dropLast(2))
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
