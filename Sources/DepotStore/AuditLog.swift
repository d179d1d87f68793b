import DepotCore
import Foundation

/// The append-only audit log (SPEC.md 7): who, in which role, when, what and why. Triggers in the
/// schema refuse every UPDATE and DELETE of it.
enum AuditLog {
    /// Appends one entry in the caller's transaction. `customerID` is the customer whose records the entry is
    /// about (`nil` for the vendor's own: models, depots, spares, users, imports); a customer's export and erasure
    /// select audit entries by it, never by a key another kind of record may share.
    static func record(
        _ db: any SQLConnection, actor: ActingUser, at: Instant, recordedAt: Instant, action: String,
        entity: String, key: String, customerID: Int64?, reason: String? = nil, details: [String: String] = [:]
    ) throws {
        try db.insertRowsUnanswered(
            into: "audit", columns: columns,
            rows: [
                values(
                    actor: actor, at: at, recordedAt: recordedAt, action: action, entity: entity, key: key, customerID: customerID,
                    reason: reason, details: details)
            ])
    }

    /// The audit table's columns, in the order of `values`; many entries are one `insertRowsUnanswered` of these.
    static let columns = ["recorded_at", "at", "\"user\"", "role", "action", "entity", "entity_key", "customer_id", "reason", "details"]

    /// One entry's values, in the order of `columns`.
    static func values(
        actor: ActingUser, at: Instant, recordedAt: Instant, action: String, entity: String, key: String, customerID: Int64?,
        reason: String?, details: [String: String]
    ) -> [any SQLBindable] {
        [
            recordedAt.description, at.description, actor.user, actor.role.rawValue, action, entity, key, customerID, reason,
            JSONText.object(details),
        ]
    }
}
