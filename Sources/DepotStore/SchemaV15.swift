import GRDB

/// v15, one limiter for every kind of guess (issue 19), in both dialects:
///
/// - `sign_in_failure.kind`: what was guessed, `sign-in` (the rows v14 wrote) or `survey-link` (a link that led
///   nowhere, counted per client address). Shared by every server of a PostgreSQL database, as sign-ins are.
enum SchemaV15 {
    static let name = "v15-guess-kinds"

    static func sqlite(_ db: Database) throws {
        try db.execute(sql: change(text: "TEXT"))
    }

    /// Additive: a v14 server runs on (it counts survey-link misses towards an address's sign-in failures, which only
    /// makes it stricter).
    static var postgres: String { change(text: "TEXT COLLATE \"C\"") }

    private static func change(text: String) -> String {
        """
        ALTER TABLE sign_in_failure ADD COLUMN kind \(text) NOT NULL DEFAULT 'sign-in'
            CHECK (kind IN ('sign-in', 'survey-link'));
        CREATE INDEX sign_in_failure_kind_address ON sign_in_failure(kind, address, at);
        """
    }
}
