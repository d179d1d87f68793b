import DepotCore

/// A defective unit that was not received by its return-due deadline, newly announced.
public struct OverdueReturn: Sendable, Equatable, Encodable {
    public let rma: String
    public let serial: String
    @NullEncodable public private(set) var customer: String?
    public let returnDue: Instant
}

extension DepotDatabase {
    /// Queues a `return-overdue` notification (logistics by default) for every advance replacement whose
    /// defective unit has not been received by its return-due deadline at `at`. Each RMA is announced once
    /// per deadline, however often this runs (the idempotency key holds the RMA and its due instant); an RMA
    /// whose deadline moves is announced again when the new one passes. Returns the RMAs newly announced. An RMA whose
    /// stored values cannot be read does not hold back the others: they are announced and committed, then the first
    /// unreadable one is the error.
    public func notifyOverdueReturns(at: Instant, actor: ActingUser) throws(DepotError) -> [OverdueReturn] {
        try actor.require(.escalate)
        try checkEventTime(at, after: nil, "")
        let routes = policy.notifications
        let (announced, unreadable) = try write { db in
            let rows = try db.rows(
                """
                SELECT r.number, r.return_due, r.region, r.case_id, a.serial, m.key AS model, c.id AS customer_id, c.key AS customer,
                       c.name AS customer_name, s.key AS site, sc.number AS case_number
                FROM rma r
                JOIN appliance a ON a.id = r.appliance_id
                JOIN model m ON m.id = a.model_id
                LEFT JOIN customer c ON c.id = r.customer_id
                LEFT JOIN site s ON s.id = r.site_id
                LEFT JOIN support_case sc ON sc.id = r.case_id
                WHERE r.path = 'advance-replacement' AND r.state IN ('delivered', 'return-shipped')
                  AND r.received_at IS NULL AND r.return_due IS NOT NULL AND r.return_due < ?
                ORDER BY r.return_due, r.number
                """, [at.description], source: "query")
            var announced: [OverdueReturn] = []
            var unreadable: [DepotError] = []
            for row in rows {
                do {
                    if let overdue = try Self.announceOverdue(db, row.stored("rma"), routes: routes, at: at) { announced.append(overdue) }
                } catch let error as DepotError {
                    unreadable.append(error)  // one damaged RMA does not hold back the others' announcements
                }
            }
            return (announced, unreadable)
        }
        if let problem = unreadable.first { throw problem }
        return announced
    }

    /// Queues the notification of one overdue return (once per RMA and deadline); the return, when it is new.
    private static func announceOverdue(_ db: any SQLConnection, _ row: StoredRow, routes: NotificationRoutes, at: Instant) throws
        -> OverdueReturn?
    {
        // The query asks for return_due IS NOT NULL: a NULL here is unreadable, not skipped.
        let due: Instant = try row("return_due")
        let number: String = try row("number")
        let serial: String = try row("serial")
        let customer: String? = try row.optional("customer")
        let key = "return-overdue:\(number):\(due.description)"
        let queued = try Outbox.notify(
            db, .returnOverdue, routes: routes, customerID: try row.optional("customer_id"), subject: number,
            payload: [
                "rma": number, "case": try row.optional("case_number"), "serial": serial, "model": try row("model") as String,
                "customer": customer, "customerName": try row.optional("customer_name"), "site": try row.optional("site"),
                "returnDue": due.description,
            ],
            key: key, at: at)
        guard queued > 0 else { return nil }
        return OverdueReturn(rma: number, serial: serial, customer: customer, returnDue: due)
    }
}
