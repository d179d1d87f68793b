import DepotCore
import DepotStore
import Foundation

extension DepotDatabase {
    /// Adds an endpoint for `target` (for one customer's notifications when `customer` is given); the secret is
    /// sealed with the database's key file before it is stored. One endpoint per target, and per target and customer.
    public func addEndpoint(
        target: NotificationTarget, url: String, secret: String, customer: String?, format: PayloadFormat,
        at: Instant, actor: ActingUser
    ) throws(DepotError) -> Int64 {
        try actor.require(.configureNotifications)
        let url = try Self.endpointURL(url)
        guard secret.utf8.count >= 16 else {
            throw .invalidArgument(name: "--secret", value: "(hidden)", reason: "a signing secret has at least 16 characters")
        }
        let sealed = try SecretBox(database: self).seal(secret)
        return try addEndpoint(target: target, url: url, sealedSecret: sealed, customer: customer, format: format, at: at, actor: actor)
    }
}

extension DeliveryRoute {
    /// The endpoint's signing secret, opened with the database's key file (in memory only, never logged).
    func secret(keyOf database: DepotDatabase) throws(DepotError) -> String {
        try SecretBox(database: database).unseal(sealedSecret)
    }
}
