import DepotCore

/// What the search box found by part of a key: units by serial, cases and RMAs by number, customers by key or name.
public struct SearchResults: Sendable {
    /// A record found: its key and a line that tells it apart (a unit's model and customer, a case's title).
    public struct Hit: Sendable, Equatable {
        public let key: String
        public let detail: String
    }

    public var units: [Hit] = []
    public var cases: [Hit] = []
    public var rmas: [Hit] = []
    public var customers: [Hit] = []
    /// Kinds with more matches than were returned.
    public var more: Set<String> = []

    public var count: Int { units.count + cases.count + rmas.count + customers.count }
}

extension DepotDatabase {
    /// The records whose key (or, for customers, name) contains `text` in any case, at most `limit` of each kind.
    public func search(_ text: String, limit: Int) throws(DepotError) -> SearchResults {
        try read { db in
            let pattern = SQLConditions.contains(text)
            var more: Set<String> = []
            func hits(_ kind: String, _ sql: String, _ arguments: [any SQLBindable]) throws -> [SearchResults.Hit] {
                let rows = try db.rows(sql, arguments + [limit + 1], source: "query")
                if rows.count > limit { more.insert(kind) }
                return try rows.prefix(limit).map { row in
                    let stored = row.stored(kind)
                    return SearchResults.Hit(key: try stored("key"), detail: try stored.optional("detail") ?? "")
                }
            }
            var results = SearchResults()
            results.units = try hits(
                "appliance",
                """
                SELECT a.serial AS key, m.key || COALESCE(' · ' || c.key, '') || ' · ' || a.status AS detail
                FROM appliance a JOIN model m ON m.id = a.model_id LEFT JOIN customer c ON c.id = a.customer_id
                WHERE a.serial \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' ORDER BY a.serial LIMIT ?
                """, [pattern])
            results.cases = try hits(
                "support_case",
                """
                SELECT c.number AS key, cu.key || ' · ' || c.status || ' · ' || c.title AS detail
                FROM support_case c JOIN customer cu ON cu.id = c.customer_id
                WHERE c.number \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' ORDER BY c.id DESC LIMIT ?
                """, [pattern])
            results.rmas = try hits(
                "rma",
                """
                SELECT r.number AS key, COALESCE(cu.key || ' · ', '') || r.path || ' · ' || r.state AS detail
                FROM rma r LEFT JOIN customer cu ON cu.id = r.customer_id
                WHERE r.number \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' ORDER BY r.id DESC LIMIT ?
                """, [pattern])
            results.customers = try hits(
                "customer",
                """
                SELECT key, name || ' · ' || region AS detail FROM customer
                WHERE key \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' OR name \(db.dialect.caseInsensitiveLike) ? ESCAPE '\\' ORDER BY key LIMIT ?
                """, [pattern, pattern])
            results.more = more
            return results
        }
    }
}
