import GRDB

/// v12, the handbook's rules (issue 18), in both dialects:
///
/// - `support_case.unsupported_version`: why the case's product version is outside the support policy (SPEC.md 3:
///   the current release line and the two before it, or released within 24 months), when it is; NULL when it is
///   supported or the case names no known version. The case is accepted all the same, and flagged.
enum SchemaV12 {
    static let name = "v12-case-version-support"

    static func sqlite(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE support_case ADD COLUMN unsupported_version TEXT")
    }

    /// Additive: a server of v11 runs on (it writes NULL, which reads as supported).
    static let postgres = """
        ALTER TABLE support_case ADD COLUMN unsupported_version TEXT COLLATE "C";
        """
}
