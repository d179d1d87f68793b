import DepotCore

/// The durable notification outbox: a notification is written in the same transaction as the change
/// that causes it, so none is lost when the process dies before delivering it. The idempotency key
/// makes queuing the same event twice a no-op.
enum Outbox {
    /// Queues `event` for every target the policy routes it to (none when it is silenced), each with the
    /// idempotency key `key@target`; the notification's `event` field is `name`. Answers how many were new.
    /// `at` is the event's time (the payload's `at`); `queuedAt`, the server's time of the change, when the event was
    /// dated earlier: the notification is queued then, and its delivery gives up counting from then.
    @discardableResult
    static func notify(
        _ db: any SQLConnection, _ event: NotifiedEvent, name: String? = nil, routes: NotificationRoutes, customerID: Int64?,
        subject: String, payload: [String: String?], key: String, at: Instant, queuedAt: Instant? = nil
    ) throws -> Int {
        var queued = 0
        for target in routes.targets(of: event) {
            let id = try enqueue(
                db, event: name ?? event.rawValue, target: target, customerID: customerID, subject: subject, payload: payload,
                idempotencyKey: "\(key)@\(target.rawValue)", at: at, queuedAt: queuedAt)
            if id != nil { queued += 1 }
        }
        return queued
    }

    /// Queues one notification and answers its id; `nil` when one with the same key is already queued. It is created,
    /// and first due, at the later of `at` and `queuedAt`.
    @discardableResult
    static func enqueue(
        _ db: any SQLConnection, event: String, target: NotificationTarget, customerID: Int64?, subject: String,
        payload: [String: String?], idempotencyKey: String, at: Instant, queuedAt: Instant? = nil
    ) throws -> Int64? {
        let created = max(at, queuedAt ?? at)
        var fields = payload
        fields["event"] = event
        fields["target"] = target.rawValue
        fields["subject"] = subject
        fields["at"] = at.description
        return try db.value(
            Int64.self,
            """
            INSERT INTO notification (event, target, customer_id, subject, payload, idempotency_key, created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING RETURNING id
            """,
            [
                event, target.rawValue, customerID, subject, JSONText.encode(fields), idempotencyKey,
                created.description, created.description,
            ])
    }
}
