import DepotCore
import Foundation

/// How a notification's body is written: the full JSON event, or Slack's `{"text": ...}`.
public enum PayloadFormat: String, CaseIterable, Sendable, Codable {
    case json, slack
}

/// A webhook endpoint as listed: never its secret.
public struct WebhookEndpoint: Sendable, Encodable, Equatable {
    public let id: Int64
    public let target: NotificationTarget
    /// The customer whose notifications of `target` go here instead of the target's own endpoint.
    @NullEncodable public private(set) var customer: String?
    public let url: String
    public let format: PayloadFormat
    public let createdAt: Instant
}

extension DepotDatabase {
    /// `url` trimmed, when it is an http:// or https:// URL with a host.
    public static func endpointURL(_ url: String) throws(DepotError) -> String {
        let url = url.trimmingSpaces()
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else { throw .invalidArgument(name: "URL", value: url, reason: "an endpoint is an http:// or https:// URL with a host") }
        return url
    }

    /// Adds an endpoint for `target` (for one customer's notifications when `customer` is given) with its signing
    /// secret sealed already (DepotNotify's `addEndpoint(secret:)` seals it). One endpoint per target, and per target
    /// and customer.
    public func addEndpoint(
        target: NotificationTarget, url: String, sealedSecret sealed: Data, customer: String?, format: PayloadFormat,
        at: Instant, actor: ActingUser
    ) throws(DepotError) -> Int64 {
        try actor.require(.configureNotifications)
        let url = try Self.endpointURL(url)
        let recordedAt = now()
        return try write { db in
            let customerRow = try customer.map { try FindRecord.customer(db, key: $0) }
            let customerID = customerRow?.id
            if try db.value(
                Int64.self, "SELECT id FROM webhook_endpoint WHERE target = ? AND coalesce(customer_id, 0) = ?",
                [target.rawValue, customerID ?? 0]) != nil
            {
                throw DepotError.refused(
                    subject: target.rawValue + (customer.map { " for \($0)" } ?? ""),
                    reason: "has an endpoint already; remove it first (depot notify endpoint list)")
            }
            let id = try db.insert(
                """
                INSERT INTO webhook_endpoint (target, customer_id, url, format, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, [target.rawValue, customerID, url, format.rawValue, sealed, at.description])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "add", entity: "webhook-endpoint", key: String(id),
                customerID: customerID,
                details: ["target": target.rawValue, "customer": customerRow?.key ?? "", "url": url, "format": format.rawValue])
            return id
        }
    }

    /// Every endpoint, by target and customer.
    public func endpoints() throws(DepotError) -> [WebhookEndpoint] {
        try read { db in
            try db.rows(
                """
                SELECT e.id, e.target, c.key AS customer, e.url, e.format, e.created_at FROM webhook_endpoint e
                LEFT JOIN customer c ON c.id = e.customer_id ORDER BY e.target, c.key IS NOT NULL, c.key
                """, source: "query"
            ).map { found throws(DepotError) in
                let row = found.stored("webhook_endpoint")
                return WebhookEndpoint(
                    id: try row("id"), target: try row("target"), customer: try row.optional("customer"), url: try row("url"),
                    format: try row("format"), createdAt: try row("created_at"))
            }
        }
    }

    /// Removes an endpoint; its pending notifications wait for a new one.
    public func removeEndpoint(_ id: Int64, at: Instant, actor: ActingUser) throws(DepotError) {
        try actor.require(.configureNotifications)
        let recordedAt = now()
        try write { db in
            let customerID = try db.value(Int64.self, "SELECT customer_id FROM webhook_endpoint WHERE id = ?", [id])
            guard try db.execute("DELETE FROM webhook_endpoint WHERE id = ?", [id]) == 1 else {
                throw DepotError.notFound(kind: "webhook endpoint", key: String(id))
            }
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "remove", entity: "webhook-endpoint", key: String(id),
                customerID: customerID, details: [:])
        }
    }
}
