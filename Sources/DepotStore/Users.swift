import DepotCore

/// A user of the server as stored: the secrets only as hashes.
public struct StoredUser: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let name: String
    public let role: Role
    /// The bcrypt hash of the password.
    public let passwordHash: String

    /// The user as the actor of changes.
    public var actor: ActingUser { ActingUser(user: name, role: role) }

    public init(row: StoredRow) throws(DepotError) {
        let row = row.from("user")
        id = try row("id")
        name = try row("name")
        role = try row("role")
        passwordHash = try row("password_hash")
    }
}

extension DepotDatabase {
    /// Adds a user with the hashes of their password and API token (the caller makes and shows the secrets).
    public func addUser(name: String, role: Role, passwordHash: String, tokenHash: String, at: Instant, actor: ActingUser)
        throws(DepotError)
    {
        try actor.require(.manageUsers)
        let name = name.trimmingSpaces()
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .invalidArgument(name: "NAME", value: name, reason: "a user name is 1 to 64 characters without spaces")
        }
        let recordedAt = now()
        try write { db in
            if try db.value(Int.self, "SELECT 1 FROM app_user WHERE name = ?", [name]) != nil {
                throw DepotError.refused(subject: name, reason: "a user of that name exists")
            }
            try db.execute(
                "INSERT INTO app_user (name, role, password_hash, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [name, role.rawValue, passwordHash, tokenHash, at.description])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "add", entity: "user", key: name,
                customerID: nil, details: ["role": role.rawValue])
        }
    }

    /// The user with a name.
    public func user(named name: String) throws(DepotError) -> StoredUser? {
        try read { db in
            try db.rows("SELECT * FROM app_user WHERE name = ?", [name], source: "query").first.map(StoredUser.init)
        }
    }

    /// The user whose API token has this hash.
    public func user(tokenHash: String) throws(DepotError) -> StoredUser? {
        try read { db in
            try db.rows("SELECT * FROM app_user WHERE token_hash = ?", [tokenHash], source: "query").first.map(StoredUser.init)
        }
    }

    /// Every user, by name.
    public func users() throws(DepotError) -> [StoredUser] {
        try read { db in try db.rows("SELECT * FROM app_user ORDER BY name", source: "query").map(StoredUser.init) }
    }
}

/// A signed-in browser session: its user and when it ends. The token its forms carry (CSRF) is derived from the
/// session's id, never stored.
public struct WebSession: Sendable {
    public let user: StoredUser
    public let expiresAt: Instant
}

extension DepotDatabase {
    /// Stores a new session by the hash of its cookie value; expired sessions of every user go at the same time.
    public func createSession(idHash: String, user: StoredUser, at: Instant, expiresAt: Instant) throws(DepotError) {
        try write { db in
            try db.execute("DELETE FROM web_session WHERE expires_at <= ?", [at.description])
            try db.execute(
                "INSERT INTO web_session (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [idHash, user.id, at.description, expiresAt.description])
        }
    }

    /// The live session whose cookie value has this hash, with its user.
    public func session(idHash: String, now: Instant) throws(DepotError) -> WebSession? {
        try read { db -> WebSession? in
            guard
                let row = try db.rows(
                    """
                    SELECT u.*, s.expires_at FROM web_session s JOIN app_user u ON u.id = s.user_id
                    WHERE s.id_hash = ? AND s.expires_at > ?
                    """, [idHash, now.description], source: "query"
                ).first
            else { return nil }
            return WebSession(
                user: try StoredUser(row: row), expiresAt: try row.decode("expires_at", from: "web_session"))
        }
    }

    /// Ends a session (signing out).
    public func deleteSession(idHash: String) throws(DepotError) {
        try write { db in
            _ = try db.execute("DELETE FROM web_session WHERE id_hash = ?", [idHash])
            try CredentialChanges.announce(db)
        }
    }
}
