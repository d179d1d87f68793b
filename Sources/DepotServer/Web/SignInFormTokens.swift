import Crypto
import DepotCore
import DepotStore
import Foundation
import Logging

/// The sign-in form's token (issue 19): issued by the server, `NONCE.EXPIRY.MAC` with an HMAC-SHA256 under a key
/// derived from the installation's key file, so that a token the client made up (the same value in cookie and field,
/// which double submit alone would accept) is refused, and one older than an hour too. Every server of a database
/// shares the key file, so a form shown by one is accepted by another.
struct SignInFormTokens: Sendable {
    /// How long a sign-in form may be filled in.
    static let lifetime: Int64 = 3600
    private let keyBytes: [UInt8]

    init(key: SymmetricKey) { keyBytes = key.withUnsafeBytes { Array($0) } }

    /// The key derived from `database`'s installation key; without one (a PostgreSQL server given no key file) a key
    /// of this process, said in the log: forms then work only on the server that showed them.
    init(database: DepotDatabase, logger: Logger) {
        do {
            self.init(key: try InstallationKey(database: database).derived(for: "depot sign-in form v1"))
        } catch {
            logger.warning("no installation key (\(error.message)): sign-in forms are accepted only by the server that showed them")
            self.init(key: SymmetricKey(size: .bits256))
        }
    }

    /// A new token, valid for `lifetime` from `now`.
    func issue(now: Instant) -> String {
        let nonce = Credentials.newToken()
        let expiry = String(now.secondsSinceEpoch + Self.lifetime)
        return "\(nonce).\(expiry).\(mac(nonce, expiry))"
    }

    /// Whether `token` was issued by this installation and has not expired at `now`.
    func valid(_ token: String, now: Instant) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let expiry = Int64(parts[1]), expiry > now.secondsSinceEpoch,
            expiry <= now.secondsSinceEpoch + Self.lifetime
        else { return false }
        return WebSessions.equal(mac(parts[0], parts[1]), parts[2])
    }

    private func mac(_ nonce: String, _ expiry: String) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Data("\(nonce).\(expiry)".utf8), using: SymmetricKey(data: keyBytes)))
    }
}
