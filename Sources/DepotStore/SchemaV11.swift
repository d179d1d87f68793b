import GRDB

/// v11, several servers on one database (issue 17), in both dialects:
///
/// - `notification.lease_token` / `leased_until`: a delivery worker claims due notifications with a lease, so two
///   servers never send one notification twice; a lease left by a killed server runs out and another worker takes it.
/// - `background_run`: when each kind of background work (escalations, overdue returns, retention) last started,
///   and on which server, so that only one server runs a round per interval.
/// - `idempotent_request`: the answer to each API request sent with an `Idempotency-Key`, per user and key,
///   recorded in the transaction of its changes, so a client's retry gets the first answer and changes nothing.
/// - `attachment_chunk` (PostgreSQL only): attachment content in 1 MiB chunks, written in the transaction of the
///   attachment's row (an SQLite database keeps its attachments in the folder beside its file).
enum SchemaV11 {
    static let name = "v11-shared-servers"

    static func sqlite(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE notification ADD COLUMN lease_token TEXT;
                ALTER TABLE notification ADD COLUMN leased_until TEXT;
                CREATE TABLE background_run (
                    name TEXT PRIMARY KEY NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    server TEXT NOT NULL
                );
                CREATE TABLE idempotent_request (
                    user_name TEXT NOT NULL,
                    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
                    fingerprint TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (user_name, key)
                );
                CREATE INDEX idempotent_request_created ON idempotent_request(created_at);
                """)
    }

    static let postgres = """
        ALTER TABLE notification ADD COLUMN lease_token TEXT COLLATE "C";
        ALTER TABLE notification ADD COLUMN leased_until TEXT COLLATE "C";
        CREATE TABLE background_run (
            name TEXT COLLATE "C" PRIMARY KEY,
            started_at TEXT COLLATE "C" NOT NULL,
            finished_at TEXT COLLATE "C",
            server TEXT COLLATE "C" NOT NULL
        );
        CREATE TABLE idempotent_request (
            user_name TEXT COLLATE "C" NOT NULL,
            key TEXT COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
            fingerprint TEXT COLLATE "C" NOT NULL,
            status INTEGER NOT NULL,
            body BYTEA NOT NULL,
            created_at TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (user_name, key)
        );
        CREATE INDEX idempotent_request_created ON idempotent_request(created_at);
        CREATE TABLE attachment_chunk (
            sha256 TEXT COLLATE "C" NOT NULL CHECK (length(sha256) = 64),
            seq INTEGER NOT NULL CHECK (seq >= 0),
            data BYTEA NOT NULL CHECK (length(data) BETWEEN 1 AND 1048576),
            PRIMARY KEY (sha256, seq)
        );
        -- Attachments are mostly compressed already (logs in archives, images): store them as they are.
        ALTER TABLE attachment_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
        """
}
