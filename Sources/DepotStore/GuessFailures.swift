import DepotCore

/// A try that counts against the guessing limits from the moment it begins (issue 19): a failure recorded only
/// after the slow check would let tries sent at once all pass the check first (a review sent 30 wrong passwords at
/// once and 29 were checked). It is kept as a failure unless the try turns out right.
public struct GuessAttempt: Sendable, Equatable {
    let id: Int64
    let kind: GuessKind
    /// The account key (sign-ins) or "" and the client's address.
    let account: String
    /// The name as the client typed it (sign-ins; at most 200 characters), for the audit log.
    let typed: String
    let address: String
    let at: Instant
    /// Whether this try is the one that makes the account or the address wait (its failure is audited as the lock).
    let locks: Bool
}

/// Whether a guess may be tried now.
public enum GuessStart: Sendable, Equatable {
    /// Not now: seconds to wait.
    case wait(Int64)
    /// Go on; end it with the outcome.
    case attempt(GuessAttempt)
}

/// Issue 19's limits on guessing in the store: failed sign-ins per account and client address, and survey links that
/// led nowhere per client address, all in `sign_in_failure` (by kind) so that every server of a database counts the
/// same; checked and reserved in one write transaction (writes are serialized on both backends) before anything slow
/// or revealing is done. Sign-ins, failures and locks are audited.
extension DepotDatabase {
    /// Begins a sign-in of `account` (as typed) from `address` at the server's time `now`: a wait when the account or
    /// the address has had too many failures, else a try that counts as a failure until `signInSucceeded`.
    public func beginSignIn(account: String, address: String, now: Instant) throws(DepotError) -> GuessStart {
        let key = SignInThrottle.accountKey(account)
        return try write { db in
            if let wait = try Self.signInWait(db, account: key, address: address, now: now) { return .wait(wait) }
            let id = try Self.recordGuess(db, .signIn, account: key, address: address, now: now)
            let locks = try Self.signInWait(db, account: key, address: address, now: now) != nil
            let typed = String(account.prefix(200))
            return .attempt(GuessAttempt(id: id, kind: .signIn, account: key, typed: typed, address: address, at: now, locks: locks))
        }
    }

    /// Ends a sign-in whose password was wrong (or whose name is unknown): the failure stays, audited, and so is the
    /// lock it started. Answers the wait the account or the address has now.
    @discardableResult
    public func signInFailed(_ attempt: GuessAttempt) throws(DepotError) -> Int64? {
        try write { db in
            try AuditLog.record(
                db, actor: .system, at: attempt.at, recordedAt: attempt.at, action: "sign-in-failed", entity: "user", key: attempt.account,
                customerID: nil, details: ["address": attempt.address, "typed": attempt.typed])
            let wait = try Self.signInWait(db, account: attempt.account, address: attempt.address, now: attempt.at)
            if attempt.locks, let wait {
                try AuditLog.record(
                    db, actor: .system, at: attempt.at, recordedAt: attempt.at, action: "sign-in-locked", entity: "user",
                    key: attempt.account, customerID: nil, details: ["address": attempt.address, "seconds": String(wait)])
            }
            return wait
        }
    }

    /// Ends a sign-in of `user` that succeeded: its try no longer counts; the sign-in is audited. The account's earlier
    /// failures still count for their window: a guesser who also knows one password gains no fresh tries by using it.
    public func signInSucceeded(_ attempt: GuessAttempt, user: StoredUser) throws(DepotError) {
        try write { db in
            try db.execute("DELETE FROM sign_in_failure WHERE id = ?", [attempt.id])
            try AuditLog.record(
                db, actor: user.actor, at: attempt.at, recordedAt: attempt.at, action: "sign-in", entity: "user", key: user.name,
                customerID: nil, details: ["address": attempt.address])
        }
    }

    /// Forgets a try that was never decided (the server was too busy to check it).
    public func abandonGuess(_ attempt: GuessAttempt) throws(DepotError) {
        _ = try write { db in try db.execute("DELETE FROM sign_in_failure WHERE id = ?", [attempt.id]) }
    }

    /// Begins looking up a survey link for `address` at `now`: a wait when the address tried too many links that led
    /// nowhere, else a try that counts as a miss until `surveyLinkFound`.
    public func beginSurveyLink(address: String, now: Instant) throws(DepotError) -> GuessStart {
        try write { db in
            if let wait = try Self.surveyLinkWait(db, address: address, now: now) { return .wait(wait) }
            let id = try Self.recordGuess(db, .surveyLink, account: "", address: address, now: now)
            let locks = try Self.surveyLinkWait(db, address: address, now: now) != nil
            return .attempt(GuessAttempt(id: id, kind: .surveyLink, account: "", typed: "", address: address, at: now, locks: locks))
        }
    }

    /// Ends a survey-link lookup that led nowhere: the miss stays; the lock it started is audited (the misses
    /// themselves are not: a mistyped link is no event).
    public func surveyLinkMissed(_ attempt: GuessAttempt) throws(DepotError) {
        guard attempt.locks else { return }
        try write { db in
            if let wait = try Self.surveyLinkWait(db, address: attempt.address, now: attempt.at) {
                try AuditLog.record(
                    db, actor: .system, at: attempt.at, recordedAt: attempt.at, action: "survey-link-locked", entity: "survey",
                    key: attempt.address, customerID: nil, details: ["seconds": String(wait)])
            }
        }
    }

    /// Ends a survey-link lookup that found its invitation: the try no longer counts.
    public func surveyLinkFound(_ attempt: GuessAttempt) throws(DepotError) { try abandonGuess(attempt) }

    private static func recordGuess(_ db: any SQLConnection, _ kind: GuessKind, account: String, address: String, now: Instant) throws
        -> Int64
    {
        // Nothing older than a day is ever counted (the longest window is 15 minutes).
        try db.execute("DELETE FROM sign_in_failure WHERE at < ?", [now.adding(seconds: -86_400).description])
        return try db.insert(
            "INSERT INTO sign_in_failure (kind, account, address, at) VALUES (?, ?, ?, ?)",
            [kind.rawValue, account, address, now.description])
    }

    /// The wait of the account key (`SignInThrottle.accountKey`) and address from the failures in the window.
    private static func signInWait(_ db: any SQLConnection, account: String, address: String, now: Instant) throws -> Int64? {
        let byAccount = try failures(db, .signIn, "account", account, since: SignInThrottle.account.since(now))
        let byAddress = try failures(db, .signIn, "address", address, since: SignInThrottle.address.since(now))
        return SignInThrottle.wait(accountFailures: byAccount, addressFailures: byAddress, now: now)
    }

    /// The wait of `address` for survey links.
    private static func surveyLinkWait(_ db: any SQLConnection, address: String, now: Instant) throws -> Int64? {
        let limit = SurveySampling.linkGuesses
        return limit.wait(try failures(db, .surveyLink, "address", address, since: limit.since(now)), now: now)
    }

    /// The times of the failures of `kind` whose `column` (`account` or `address`, never user input) is `value`.
    private static func failures(_ db: any SQLConnection, _ kind: GuessKind, _ column: String, _ value: String, since: Instant) throws
        -> [Instant]
    {
        precondition(column == "account" || column == "address", "failures are counted by account or address")
        return try db.values(
            Instant.self, "SELECT at FROM sign_in_failure WHERE kind = ? AND \(column) = ? AND at > ?",
            [kind.rawValue, value, since.description])
    }
}
