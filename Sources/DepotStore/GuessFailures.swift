import DepotCore

/// Issue 19's limits on guessing in the store: failed sign-ins per account and client address, and survey links that
/// led nowhere per client address, all in `sign_in_failure` (by kind) so that every server of a database counts the
/// same; read before anything slow or revealing is done. Sign-ins, failures and locks are audited.
extension DepotDatabase {
    /// Seconds the account (as typed) or the address must wait at `now` before a sign-in is tried, `nil` when one may.
    public func signInWait(account: String, address: String, now: Instant) throws(DepotError) -> Int64? {
        try read { db in try Self.signInWait(db, account: SignInThrottle.accountKey(account), address: address, now: now) }
    }

    /// Records a failed sign-in of `account` (as typed) from `address` at the server's time `now`, audited; the
    /// failure that makes the account or the address wait is audited as a lock too, in the same transaction. Answers
    /// the wait it starts.
    @discardableResult
    public func recordSignInFailure(account: String, address: String, now: Instant) throws(DepotError) -> Int64? {
        let key = SignInThrottle.accountKey(account)
        return try write { db in
            try Self.recordGuess(db, .signIn, account: key, address: address, now: now)
            try AuditLog.record(
                db, actor: .system, at: now, recordedAt: now, action: "sign-in-failed", entity: "user", key: key, customerID: nil,
                details: ["address": address])
            let wait = try Self.signInWait(db, account: key, address: address, now: now)
            if let wait {
                try AuditLog.record(
                    db, actor: .system, at: now, recordedAt: now, action: "sign-in-locked", entity: "user", key: key, customerID: nil,
                    details: ["address": address, "seconds": String(wait)])
            }
            return wait
        }
    }

    /// Records a successful sign-in of `user` from `address`, audited. Its failures still count for their window: a
    /// guesser who also knows one password gains no fresh tries by using it.
    public func recordSignIn(_ user: StoredUser, address: String, now: Instant) throws(DepotError) {
        try write { db in
            try AuditLog.record(
                db, actor: user.actor, at: now, recordedAt: now, action: "sign-in", entity: "user", key: user.name, customerID: nil,
                details: ["address": address])
        }
    }

    /// Seconds `address` must wait at `now` before it may try another survey link, `nil` when it may.
    public func surveyLinkWait(address: String, now: Instant) throws(DepotError) -> Int64? {
        try read { db in try Self.surveyLinkWait(db, address: address, now: now) }
    }

    /// Records a survey link from `address` that led nowhere, at the server's time `now`; the miss that makes the
    /// address wait is audited (the misses themselves are not: a mistyped link is no event). Answers the wait.
    @discardableResult
    public func recordSurveyLinkMiss(address: String, now: Instant) throws(DepotError) -> Int64? {
        try write { db in
            try Self.recordGuess(db, .surveyLink, account: "", address: address, now: now)
            let wait = try Self.surveyLinkWait(db, address: address, now: now)
            let previous = try Self.surveyLinkWait(db, address: address, now: now, leavingOut: 1)
            if let wait, previous == nil {
                try AuditLog.record(
                    db, actor: .system, at: now, recordedAt: now, action: "survey-link-locked", entity: "survey", key: address,
                    customerID: nil, details: ["seconds": String(wait)])
            }
            return wait
        }
    }

    private static func recordGuess(_ db: any SQLConnection, _ kind: GuessKind, account: String, address: String, now: Instant) throws {
        // Nothing older than a day is ever counted (the longest window is 15 minutes).
        try db.execute("DELETE FROM sign_in_failure WHERE at < ?", [now.adding(seconds: -86_400).description])
        try db.execute(
            "INSERT INTO sign_in_failure (kind, account, address, at) VALUES (?, ?, ?, ?)",
            [kind.rawValue, account, address, now.description])
    }

    /// The wait of the account key (`SignInThrottle.accountKey`) and address from the failures in the window.
    private static func signInWait(_ db: any SQLConnection, account: String, address: String, now: Instant) throws -> Int64? {
        let byAccount = try failures(db, .signIn, "account", account, since: SignInThrottle.account.since(now))
        let byAddress = try failures(db, .signIn, "address", address, since: SignInThrottle.address.since(now))
        return SignInThrottle.wait(accountFailures: byAccount, addressFailures: byAddress, now: now)
    }

    /// The wait of `address` for survey links, counting all its misses in the window but the latest `leavingOut`.
    private static func surveyLinkWait(_ db: any SQLConnection, address: String, now: Instant, leavingOut: Int = 0) throws -> Int64? {
        let limit = SurveySampling.linkGuesses
        let misses = try failures(db, .surveyLink, "address", address, since: limit.since(now)).sorted().dropLast(leavingOut)
        return limit.wait(Array(misses), now: now)
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
