import Crypto
import DepotCore
import Foundation

/// The one-time link of a survey invitation (SPEC.md 9): `/survey/TOKEN`, where TOKEN is the HMAC-SHA256 of the
/// case's number and the link's expiry under a key derived from the installation's key (base64url, 43 characters).
/// The database keeps only the token's SHA-256, by which a link finds its invitation; the token is made again when
/// the invitation is delivered. Without the key file nobody can make a link, and a link names one case only.
public enum SurveyLinks {
    /// The HKDF purpose of the links' key.
    static let purpose = "depot survey link v1"
    /// Characters of a token.
    public static let tokenLength = 43

    /// The token of the invitation of case `number` expiring at `expiresAt`.
    static func token(key: SymmetricKey, case number: String, expiresAt: Instant) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(number)\n\(expiresAt)".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database keeps of a token: its SHA-256 in hex.
    static func hash(_ token: String) -> String { Hex.lowercase(SHA256.hash(data: Data(token.utf8))) }

    /// Whether `text` can be a token at all (43 characters of base64url), before anything is looked up.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == tokenLength
            && text.utf8.allSatisfy { c in
                (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
            }
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The path of a token's page.
    public static func path(_ token: String) -> String { "/survey/\(token)" }
}

extension DepotDatabase {
    /// The key survey links are signed with; `nil` when this database has no key file (a PostgreSQL server given
    /// none): then nobody is invited, and the closure's audit record says why.
    func surveyLinkKey() -> SymmetricKey? {
        guard let key = try? InstallationKey(database: self) else { return nil }
        return try? key.derived(for: SurveyLinks.purpose)
    }

    /// The token of case `number`'s invitation, `nil` when it has none (or there is no key): the demo answers its own
    /// surveys with it.
    func surveyToken(of number: CaseNumber) throws(DepotError) -> String? {
        guard let key = surveyLinkKey() else { return nil }
        let expires = try read { db in
            try db.value(
                Instant.self,
                "SELECT s.expires_at FROM survey_invitation s JOIN support_case k ON k.id = s.case_id WHERE k.number = ?", [number.text])
        }
        return expires.map { SurveyLinks.token(key: key, case: number.text, expiresAt: $0) }
    }

    /// The payload a notification is delivered with: as queued, except that a survey invitation gains its link
    /// (`surveyPath`, and `surveyLink` when the policy's `survey.link-base` is set), made here from the installation's
    /// key so that no usable token is ever stored. `nil` when the invitation's link had expired at `now` (the
    /// invitation is not sent then); without `now` it is made regardless.
    public func deliveredPayload(_ n: QueuedNotification, now: Instant? = nil) throws(DepotError) -> String? {
        guard n.event == NotifiedEvent.surveyInvitation.rawValue else { return n.payload }
        guard var fields = try? JSONSerialization.jsonObject(with: Data(n.payload.utf8)) as? [String: Any],
            let number = fields["case"] as? String, let expires = (fields["expiresAt"] as? String).flatMap(Instant.init(iso:))
        else {
            throw .unreadableValue(table: "notification", column: "payload", value: String(n.payload.prefix(200)))
        }
        if let now, now >= expires { return nil }
        let key = try InstallationKey(database: self).derived(for: SurveyLinks.purpose)
        let path = SurveyLinks.path(SurveyLinks.token(key: key, case: number, expiresAt: expires))
        fields["surveyPath"] = path
        if let base = policy.survey.linkBase { fields["surveyLink"] = base + path }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .unreadableValue(table: "notification", column: "payload", value: String(n.payload.prefix(200)))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
