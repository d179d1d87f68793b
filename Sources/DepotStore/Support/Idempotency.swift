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

/// What came of a case opened in a group: opened now (with the answer recorded for its Idempotency-Key, when it has
/// one), or a request with a key that was answered before (nothing opened).
enum CaseOutcome: Sendable {
    case opened(OpenedCase, answer: RecordedResponse?)
    case earlier(IdempotentOutcome)
}

extension DepotDatabase {
    /// Opens a group's cases (`openCases`), those with an Idempotency-Key at most once: a key recorded before (by an
    /// earlier transaction, or by a request earlier in this one) answers the first answer or a mismatch and opens
    /// nothing; the answers of the cases opened now are recorded with them. Two requests of one group with the same
    /// key never meet here: the group commit keeps the second for the next group.
    func openCasesOnce(_ db: any SQLConnection, _ openings: [CaseOpening]) throws -> [Result<CaseOutcome, DepotError>] {
        let keyed = openings.compactMap { $0.once?.request }
        var recorded: [ExactText: (fingerprint: String, answer: RecordedResponse)] = [:]
        if !keyed.isEmpty {
            let values = Array(repeating: "(?, ?)", count: keyed.count).joined(separator: ", ")
            let rows = try db.rows(
                """
                SELECT r.user_name, r.key, r.fingerprint, r.status, r.body FROM (VALUES \(values)) AS p
                JOIN idempotent_request r ON r.user_name = p.column1 AND r.key = p.column2
                """, keyed.flatMap { [$0.user, $0.key] as [any SQLBindable] }, source: "idempotent_request")
            for row in rows {
                recorded[ExactText(try row("user_name") as String, try row("key") as String)] = (
                    try row("fingerprint"), RecordedResponse(status: try row("status"), body: try row("body"))
                )
            }
        }
        func earlier(_ opening: CaseOpening) -> IdempotentOutcome? {
            guard let asked = opening.once?.request, let found = recorded[ExactText(asked.user, asked.key)] else { return nil }
            return found.fingerprint == asked.fingerprint ? .replayed(found.answer) : .mismatched
        }
        let toOpen = openings.filter { earlier($0) == nil }
        var opened = try openCases(db, toOpen).makeIterator()
        var outcomes: [Result<CaseOutcome, DepotError>] = []
        var answers: [[any SQLBindable]] = []
        for opening in openings {
            if let outcome = earlier(opening) {
                outcomes.append(.success(.earlier(outcome)))
                continue
            }
            guard let result = opened.next() else { throw DepotError.storage(path: "support_case", message: "a case was not opened") }
            guard case .success(let opened) = result, let once = opening.once else {
                outcomes.append(result.map { .opened($0, answer: nil) })
                continue
            }
            let answer = try once.respond(opened)
            answers.append([
                once.request.user, once.request.key, once.request.fingerprint, answer.status, answer.body, opening.at.description,
            ])
            outcomes.append(.success(.opened(opened, answer: answer)))
        }
        try db.insertRowsUnanswered(
            into: "idempotent_request", columns: ["user_name", "key", "fingerprint", "status", "body", "created_at"], rows: answers)
        return outcomes
    }
}
