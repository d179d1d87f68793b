import DepotCore
import Foundation

/// A notification as the delivery worker and `depot notify list` see it (never a secret).
public struct QueuedNotification: Sendable, Encodable, Equatable {
    public let id: Int64
    public let event: String
    public let target: NotificationTarget
    @NullEncodable public private(set) var customer: String?
    public let subject: String
    /// The event as JSON text (what a `json` endpoint receives).
    public let payload: String
    public let idempotencyKey: String
    public let state: String
    public let attempts: Int
    public let createdAt: Instant
    /// When an operator last retried it: its give-up time counts from here instead of `createdAt`.
    @NullEncodable public private(set) var retriedAt: Instant?
    public let nextAttemptAt: Instant
    @NullEncodable public private(set) var deliveredAt: Instant?
    @NullEncodable public private(set) var lastError: String?
}

/// Where one notification goes: the endpoint, its format and its signing secret as stored, sealed (DepotNotify
/// opens it only to sign a request).
public struct DeliveryRoute: Sendable {
    public let endpointID: Int64
    public let url: String
    public let format: PayloadFormat
    public let sealedSecret: Data
}

extension DepotDatabase {
    private static let notificationColumns = """
        n.id, n.event, n.target, c.key AS customer, n.subject, n.payload, n.idempotency_key, n.state, n.attempts, n.created_at,
        n.retried_at, n.next_attempt_at, n.delivered_at, n.last_error
        """

    private static func queued(_ row: StoredRow) throws(DepotError) -> QueuedNotification {
        let row = row.stored("notification")
        return QueuedNotification(
            id: try row("id"), event: try row("event"), target: try row("target"), customer: try row.optional("customer"),
            subject: try row("subject"), payload: try row("payload"), idempotencyKey: try row("idempotency_key"), state: try row("state"),
            attempts: try row("attempts"), createdAt: try row("created_at"), retriedAt: try row.optional("retried_at"),
            nextAttemptAt: try row("next_attempt_at"), deliveredAt: try row.optional("delivered_at"),
            lastError: try row.optional("last_error"))
    }

    /// Notifications, newest first, optionally in one state (`pending`, `delivered`, `dead`).
    public func notifications(state: String? = nil, limit: Int = 1000) throws(DepotError) -> [QueuedNotification] {
        if let state, !["pending", "delivered", "dead"].contains(state) {
            throw .invalidArgument(name: "--state", value: state, reason: "one of pending, delivered, dead")
        }
        return try read { db in
            try db.rows(
                """
                SELECT \(Self.notificationColumns) FROM notification n LEFT JOIN customer c ON c.id = n.customer_id
                WHERE CAST(?1 AS TEXT) IS NULL OR n.state = ?1 ORDER BY n.id DESC LIMIT ?2
                """, [state, limit], source: "query"
            ).map(Self.queued)
        }
    }

    /// Claims up to `limit` pending notifications due at `now` that no worker holds, oldest first, for the worker
    /// `worker` until `until`: two servers' workers never claim the same one, and a worker that dies leaves its
    /// claims to the others once the lease runs out. With `id`, claims that notification only (due or not).
    public func claimNotifications(
        now: Instant, limit: Int, worker: String, until: Instant, id: Int64? = nil
    ) throws(DepotError) -> [QueuedNotification] {
        try write { db in
            let claimed = try db.values(
                Int64.self,
                """
                UPDATE notification SET lease_token = ?1, leased_until = ?2
                WHERE id IN (
                    SELECT id FROM notification
                    WHERE state = 'pending' AND (leased_until IS NULL OR leased_until <= ?3)
                      AND (CAST(?5 AS BIGINT) IS NULL AND next_attempt_at <= ?3 OR id = ?5)
                    ORDER BY next_attempt_at, id LIMIT ?4\(db.dialect.lockSkippingLocked))
                RETURNING id
                """, [worker, until.description, now.description, limit, id])
            guard !claimed.isEmpty else { return [] }
            let ids = Set(claimed)
            return try db.rows(
                """
                SELECT \(Self.notificationColumns) FROM notification n LEFT JOIN customer c ON c.id = n.customer_id
                WHERE n.lease_token = ? AND n.state = 'pending' ORDER BY n.next_attempt_at, n.id
                """, [worker], source: "query"
            ).map(Self.queued).filter { ids.contains($0.id) }
        }
    }

    /// Gives back the leases `worker` holds on notifications it did not attempt (it is stopping).
    public func releaseNotifications(worker: String, ids: [Int64]) throws(DepotError) {
        guard !ids.isEmpty else { return }
        try write { db in
            for id in ids {
                try db.execute(
                    "UPDATE notification SET lease_token = NULL, leased_until = NULL WHERE id = ? AND lease_token = ?", [id, worker])
            }
        }
    }

    /// One queued notification by id.
    public func notification(_ id: Int64) throws(DepotError) -> QueuedNotification {
        let found = try read { db in
            try db.rows(
                """
                SELECT \(Self.notificationColumns) FROM notification n LEFT JOIN customer c ON c.id = n.customer_id WHERE n.id = ?
                """, [id], source: "query"
            ).first.map(Self.queued)
        }
        guard let found else { throw .notFound(kind: "notification", key: String(id)) }
        return found
    }

    /// The endpoint a notification goes to: its customer's own endpoint for the target, else the target's; `nil` when
    /// neither exists (the notification waits).
    public func route(for notification: QueuedNotification) throws(DepotError) -> DeliveryRoute? {
        try read { db in
            guard
                let found = try db.rows(
                    """
                    SELECT e.id, e.url, e.format, e.secret_sealed FROM webhook_endpoint e
                    WHERE e.target = ? AND (e.customer_id IS NULL OR e.customer_id = (SELECT customer_id FROM notification WHERE id = ?))
                    ORDER BY e.customer_id IS NULL LIMIT 1
                    """, [notification.target.rawValue, notification.id], source: "query"
                ).first
            else { return nil }
            let row = found.stored("webhook_endpoint")
            return DeliveryRoute(
                endpointID: try row("id"), url: try row("url"), format: try row("format"), sealedSecret: try row("secret_sealed"))
        }
    }

    /// Records a delivery the receiver accepted (also when the worker's lease ran out meanwhile: it was delivered).
    public func markDelivered(_ id: Int64, at: Instant) throws(DepotError) {
        _ = try write { db in
            try db.execute(
                """
                UPDATE notification SET state = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL,
                    lease_token = NULL, leased_until = NULL
                WHERE id = ? AND state <> 'delivered'
                """, [at.description, id])
        }
    }

    /// Records a failed attempt of the worker holding the lease (`worker`; `nil` for an unleased attempt): tried
    /// again at `retryAt`, or dead when that is past `giveUpAt`. An attempt whose lease another worker took over
    /// records nothing: that worker's attempt counts.
    public func markFailed(_ id: Int64, error: String, retryAt: Instant, giveUpAt: Instant, worker: String? = nil) throws(DepotError) {
        _ = try write { db in
            try db.execute(
                """
                UPDATE notification SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                    state = CASE WHEN ? > ? THEN 'dead' ELSE 'pending' END, lease_token = NULL, leased_until = NULL
                WHERE id = ? AND state = 'pending' AND lease_token IS NOT DISTINCT FROM ?
                """, [String(error.prefix(500)), retryAt.description, retryAt.description, giveUpAt.description, id, worker])
        }
    }

    /// Makes a dead (or pending) notification due again now, with its attempts kept and a fresh give-up time.
    public func retryNotification(_ id: Int64, at: Instant, actor: ActingUser) throws(DepotError) {
        try actor.require(.configureNotifications)
        let recordedAt = now()
        try write { db in
            let retried = try db.execute(
                """
                UPDATE notification SET state = 'pending', next_attempt_at = ?, retried_at = ?, lease_token = NULL, leased_until = NULL
                WHERE id = ? AND state <> 'delivered'
                """,
                [at.description, at.description, id])
            guard retried == 1 else { throw DepotError.notFound(kind: "undelivered notification", key: String(id)) }
            let customerID = try db.value(Int64.self, "SELECT customer_id FROM notification WHERE id = ?", [id])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "retry", entity: "notification", key: String(id),
                customerID: customerID, details: [:])
        }
    }
}

extension DepotDatabase {
    /// Queues a `test` notification for `target` (for one customer's endpoint when `customer` is given): what
    /// `depot notify test` sends to check an endpoint and its signature.
    public func queueTestNotification(target: NotificationTarget, customer: String?, at: Instant, actor: ActingUser) throws(DepotError)
        -> Int64
    {
        try actor.require(.configureNotifications)
        return try write { db in
            let customerID: Int64? = try customer.map { try FindRecord.customer(db, key: $0).id }
            let key = "test-\(target.rawValue)-\(customer ?? "")-\(at.description)-\(UUID().uuidString)"
            guard
                let id = try Outbox.enqueue(
                    db, event: "test", target: target, customerID: customerID, subject: "test notification",
                    payload: ["customer": customer], idempotencyKey: key, at: at)
            else { throw DepotError.storage(path: path, message: "the test notification's key \(key) was already queued") }
            return id
        }
    }
}
