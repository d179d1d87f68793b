import DepotCore

extension DepotDatabase {
    /// A page of a logistics list (`RMAQueue`), by the deadline the list is about (ship-by for the shipments, return
    /// due for the returns; none last), then by number; with how many are in the list in all. Sales referrals move
    /// no unit and are in no list. Reads only the RMAs in the list's states (index `rma_state`), never the fleet.
    public func rmaQueue(_ queue: RMAQueue, now: Instant, limit: Int, offset: Int) throws(DepotError) -> Listing<RMADetail> {
        try read { db in
            var conditions = SQLConditions()
            var members: [String] = []
            var arguments: [any SQLBindable] = []
            for (path, states) in queue.members where path != .salesReferral {
                members.append("(r.path = ? AND r.state IN (\(states.map { _ in "?" }.joined(separator: ", "))))")
                arguments += [path.rawValue] + states.map(\.rawValue)
            }
            guard !members.isEmpty else { return Listing(items: [], total: 0, customerNames: [:]) }
            conditions.add("(" + members.joined(separator: " OR ") + ")", arguments)
            let deadline = queue == .returns ? "r.return_due" : "r.ship_by"
            let items = try db.rows(
                "SELECT r.* FROM rma r \(conditions.sql) ORDER BY \(deadline) IS NULL, \(deadline), r.number LIMIT ? OFFSET ?",
                conditions.arguments + [limit, offset], source: "query"
            )
            .map { row in try Self.rmaListItem(db, row: row, now: now) }
            let total = try Self.count(db, "SELECT count(*) FROM rma r \(conditions.sql)", conditions)
            return Listing(items: items, total: total, customerNames: try Self.customerNames(db, items.compactMap(\.customer)))
        }
    }
}
