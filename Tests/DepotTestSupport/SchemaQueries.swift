import DepotStore

extension SQLConnection {
    /// Depot's tables (not the migrations' bookkeeping) with their columns in order, by table name.
    public func tableColumns() throws -> [(table: String, columns: [String])] {
        try tables().map { table in (table, try columns(of: table)) }
    }

    /// Every column declared as text, as table and column, in table and column order.
    public func textColumns() throws -> [(table: String, column: String)] {
        let sql =
            switch dialect {
            case .sqlite: "SELECT name FROM pragma_table_info(?) WHERE upper(type) LIKE '%TEXT%' ORDER BY cid"
            case .postgres:
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'text' ORDER BY ordinal_position
                """
            }
        return try tables().flatMap { table in try values(String.self, sql, [table]).map { (table, $0) } }
    }

    /// Depot's tables by name, without the migrations' bookkeeping.
    public func tables() throws -> [String] {
        let sql =
            switch dialect {
            case .sqlite:
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY rowid"
            case .postgres:
                """
                SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                  AND table_name NOT IN ('depot_migration', 'depot_schema') ORDER BY table_name
                """
            }
        return try values(String.self, sql)
    }
}
