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
        try db.executeUnanswered(
            """
            INSERT INTO audit (recorded_at, at, "user", role, action, entity, entity_key, customer_id, reason, details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                recordedAt.description, at.description, actor.user, actor.role.rawValue, action, entity, key, customerID,
                reason, JSONText.object(details),
            ])
    }
}
