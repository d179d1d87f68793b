import DepotCore

/// Issue 19's sign-in protection in the store: failures per account and client address (`sign_in_failure`, shared by
/// every server of a database), read before a password is hashed; every sign-in, failure and lock is audited.
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
            try db.execute("DELETE FROM sign_in_failure WHERE at < ?", [now.adding(seconds: -86_400).description])
            try db.execute("INSERT INTO sign_in_failure (account, address, at) VALUES (?, ?, ?)", [key, address, now.description])
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

    /// The wait of the account key (`SignInThrottle.accountKey`) and address from the failures in the window.
    private static func signInWait(_ db: any SQLConnection, account: String, address: String, now: Instant) throws -> Int64? {
        let since = now.adding(seconds: -SignInThrottle.window).description
        let byAccount = try db.values(Instant.self, "SELECT at FROM sign_in_failure WHERE account = ? AND at > ?", [account, since])
        let byAddress = try db.values(Instant.self, "SELECT at FROM sign_in_failure WHERE address = ? AND at > ?", [address, since])
        return SignInThrottle.wait(accountFailures: byAccount, addressFailures: byAddress, now: now)
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
}
