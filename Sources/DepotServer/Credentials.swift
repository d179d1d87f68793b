import Crypto
import DepotCore
import Foundation
import HummingbirdBcrypt

/// Passwords and API tokens: made from the system's secure random source, shown once, stored only as hashes.
public enum Credentials {
    private static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")

    /// A new random password of 20 characters (about 116 bits).
    public static func newPassword() -> String { randomText(20) }

    /// A new API token: `dpt_` and 40 random characters (about 232 bits).
    public static func newToken() -> String { "dpt_" + randomText(40) }

    /// A new after-hours PIN (SPEC.md 8): 8 random digits, to be said on the phone; wrong PINs are limited per customer.
    public static func newPIN() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in Character(String(generator.next(upperBound: UInt64(10)))) })
    }

    /// The bcrypt hash of a password (slow on purpose; `cost` 12 takes about a quarter of a second).
    public static func hashPassword(_ password: String, cost: UInt8 = 12) -> String { Bcrypt.hash(password, cost: cost) }

    /// A hash of a random password, checked against when a sign-in names no user, so that the answer takes as long.
    public static let decoyHash = hashPassword(newPassword())

    /// Whether `password` matches a bcrypt hash.
    public static func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    /// The SHA-256 of a token, in lowercase hex: tokens are long and random, so a fast hash is enough.
    public static func hashToken(_ token: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(token.utf8)))
    }

    /// The token the forms of the web session `sessionID` carry (CSRF): an HMAC keyed by the session's id, computed
    /// from the cookie at each request. The database keeps only the id's SHA-256, from which it cannot be derived.
    public static func formToken(sessionID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("depot form token v1".utf8), using: SymmetricKey(data: Data(sessionID.utf8)))
        return Hex.lowercase(Data(mac))
    }

    private static func randomText(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
