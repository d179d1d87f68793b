import DepotCore

/// Changing who may sign in (issue 19): a new password, a new API token, a user removed. Each ends what it replaces on
/// every server within a second (`CredentialChanges`) and is audited; only admins may do it.
extension DepotDatabase {
    /// Gives `name` a new password (its hash): every browser session of the user ends.
    public func changePassword(_ name: String, passwordHash: String, at: Instant, actor: ActingUser) throws(DepotError) {
        try changeUser(name, action: "passwd", at: at, actor: actor) { db, id in
            try db.execute("UPDATE app_user SET password_hash = ? WHERE id = ?", [passwordHash, id])
            return ["sessionsEnded": String(try db.execute("DELETE FROM web_session WHERE user_id = ?", [id]))]
        }
    }

    /// Gives `name` a new API token (its hash): the old token stops working.
    public func rotateToken(_ name: String, tokenHash: String, at: Instant, actor: ActingUser) throws(DepotError) {
        try changeUser(name, action: "rotate-token", at: at, actor: actor) { db, id in
            try db.execute("UPDATE app_user SET token_hash = ? WHERE id = ?", [tokenHash, id])
            return [:]
        }
    }

    /// Removes `name`: its sessions end and its token stops working. What it did stays in the audit log, and the
    /// cases it owns keep its name as their owner until they are assigned again.
    public func removeUser(_ name: String, at: Instant, actor: ActingUser) throws(DepotError) {
        guard name != actor.user else { throw .refused(subject: name, reason: "a user cannot remove themselves") }
        try changeUser(name, action: "remove", at: at, actor: actor) { db, id in
            let ended = try db.execute("DELETE FROM web_session WHERE user_id = ?", [id])
            try db.execute("DELETE FROM app_user WHERE id = ?", [id])
            return ["sessionsEnded": String(ended)]
        }
    }

    /// Finds the user, makes the change, audits it and tells every server, in one transaction.
    private func changeUser(
        _ name: String, action: String, at: Instant, actor: ActingUser,
        _ change: (any SQLConnection, Int64) throws -> [String: String]
    ) throws(DepotError) {
        try actor.require(.manageUsers)
        let recordedAt = now()
        try write { db in
            guard let id = try db.value(Int64.self, "SELECT id FROM app_user WHERE name = ?", [name.trimmingSpaces()]) else {
                throw DepotError.notFound(kind: "user", key: name)
            }
            let details = try change(db, id)
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: action, entity: "user", key: name.trimmingSpaces(),
                customerID: nil, details: details)
            try CredentialChanges.announce(db)
        }
    }
}
