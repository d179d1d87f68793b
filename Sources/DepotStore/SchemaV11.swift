import GRDB

/// v11, several servers on one database (issue 17), in both dialects:
///
/// - `notification.lease_token` / `leased_until`: a delivery worker claims due notifications with a lease, so two
///   servers never send one notification twice; a lease left by a killed server runs out and another worker takes it.
/// - `background_run`: when each kind of background work (escalations, overdue returns, retention) last started,
///   and on which server, so that only one server runs a round per interval.
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
