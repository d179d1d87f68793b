import GRDB

/// v16, two findings of issue 19's review, in both dialects:
///
/// - `web_session.csrf_token` is dropped: a session's form token is derived from its id (an HMAC the server computes
///   from the cookie it is sent, `Credentials.formToken`), so the database holds nothing that would let someone who
///   reads it post a form as the session's user, as it already held only the id's hash.
/// - On SQLite, `attachment.id` becomes AUTOINCREMENT: a deleted attachment's id is never given out again, so audit
///   entries (`entity_key`) and links always name one file. The table is rebuilt (nothing references it); the
///   sequence starts after the highest id the table or the audit has seen. PostgreSQL's identity never reused ids.
enum SchemaV16 {
    static let name = "v16-session-tokens-attachment-ids"

    static func sqlite(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE web_session DROP COLUMN csrf_token;

                CREATE TABLE attachment_v16 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    name TEXT NOT NULL CHECK (length(name) > 0),
                    media_type TEXT NOT NULL,
                    size INTEGER NOT NULL CHECK (size > 0),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    secure INTEGER NOT NULL CHECK (secure IN (0, 1)),
                    uploaded_at TEXT NOT NULL,
                    uploaded_by TEXT NOT NULL,
                    received_at TEXT
                );
                INSERT INTO attachment_v16 (id, case_id, name, media_type, size, sha256, secure, uploaded_at, uploaded_by, received_at)
                    SELECT id, case_id, name, media_type, size, sha256, secure, uploaded_at, uploaded_by, received_at FROM attachment;
                DROP TABLE attachment;
                ALTER TABLE attachment_v16 RENAME TO attachment;
                CREATE INDEX attachment_case ON attachment(case_id);
                CREATE INDEX attachment_sha256 ON attachment(sha256);
                DELETE FROM sqlite_sequence WHERE name = 'attachment';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'attachment', max(
                    coalesce((SELECT max(id) FROM attachment), 0),
                    coalesce((SELECT max(CAST(entity_key AS INTEGER)) FROM audit
                              WHERE entity = 'attachment' AND entity_key GLOB '[0-9]*' AND entity_key NOT GLOB '*[^0-9]*'), 0));
                """)
    }

    /// Not additive: a v15 server writes the dropped column, so every server must be v16 first.
    static let postgres = "ALTER TABLE web_session DROP COLUMN csrf_token;"
}
