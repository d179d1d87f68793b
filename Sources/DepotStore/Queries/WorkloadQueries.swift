import DepotCore

/// How much work is open right now: the server's gauges.
public struct Workload: Sendable, Equatable {
    /// Cases neither resolved nor closed.
    public var openCases: Int
    /// RMAs by state; a state without RMAs is absent.
    public var rmasByState: [RMAState: Int]
}

extension DepotDatabase {
    /// The open cases and the RMAs by state, read in one transaction.
    public func workload() throws -> Workload {
        try read { db in
            let open = try db.value(Int.self, "SELECT count(*) FROM support_case WHERE status NOT IN ('resolved', 'closed')") ?? 0
            var states: [RMAState: Int] = [:]
            for row in try db.rows("SELECT state, count(*) AS n FROM rma GROUP BY state", source: "query") {
                let row = row.stored("rma")
                states[try row("state")] = try row("n")
            }
            return Workload(openCases: open, rmasByState: states)
        }
    }
}
