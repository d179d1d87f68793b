import DepotCore
import Foundation

/// A request a client may send more than once (behind a load balancer it retries after a server died): the user,
/// the client's `Idempotency-Key`, and a fingerprint of what was asked (method, target and body).
public struct IdempotentRequest: Sendable, Equatable {
    public let user: String
    public let key: String
    public let fingerprint: String

    public init(user: String, key: String, fingerprint: String) {
        self.user = user
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// The answer to a request as it was sent: HTTP status and body.
public struct RecordedResponse: Sendable, Equatable {
    public let status: Int
    public let body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// What came of an idempotent request.
public enum IdempotentOutcome: Sendable, Equatable {
    /// It ran now; this is its answer.
    case answered(RecordedResponse)
    /// It ran before with this key; this is the first answer, and nothing ran now.
    case replayed(RecordedResponse)
    /// The key was used before for a different request: nothing ran.
    case mismatched
}

extension DepotDatabase {
    /// How long an answer is kept for retries (retention removes older ones).
    public static let idempotencyDays = 1

    /// Runs `respond` (the request's workflows and its answer) at most once per user and key: in the next group
    /// commit, the key's record is looked up, and when there is none `respond` runs and its answer is recorded in
    /// the same transaction as its changes. A retry after a crash finds either both (and gets the first answer) or
    /// neither (and runs again); two at once on two servers take turns as writers do, and the second finds the first's.
    /// A failing `respond` records nothing: a retry runs again.
    public func once(
        _ request: IdempotentRequest, at: Instant, _ respond: @escaping @Sendable () throws -> RecordedResponse
    ) async throws -> IdempotentOutcome {
        try await grouped {
            try self.write { db throws -> IdempotentOutcome in
                if let row = try db.rows(
                    "SELECT fingerprint, status, body FROM idempotent_request WHERE user_name = ? AND key = ?",
                    [request.user, request.key],
                    source: "idempotent_request"
                ).first {
                    guard try row("fingerprint") == request.fingerprint else { return .mismatched }
                    return .replayed(RecordedResponse(status: try row("status"), body: try row("body")))
                }
                let response = try respond()
                try db.executeUnanswered(
                    "INSERT INTO idempotent_request (user_name, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [request.user, request.key, request.fingerprint, response.status, response.body, at.description])
                return .answered(response)
            }
        }
    }

    /// Forgets the answers recorded more than `idempotencyDays` before `now`; answers how many.
    func forgetIdempotentAnswers(_ db: any SQLConnection, now: Instant) throws -> Int {
        try db.execute(
            "DELETE FROM idempotent_request WHERE created_at < ?", [now.adding(seconds: -86_400 * Int64(Self.idempotencyDays)).description])
    }
}
