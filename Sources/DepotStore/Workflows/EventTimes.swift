import DepotCore

/// The times users give steps (`--at`) checked against the record (SPEC.md 3: every event of a case or RMA is
/// dated no earlier than the event before it and no later than now). A back-dated entry is welcome; one that
/// contradicts the record's history, or that claims to come from the future, is refused.
enum EventTimes {
    /// The latest event of a case: its opening, every timeline entry (steps, diagnoses, attachments, escalations).
    static func lastOfCase(_ db: any SQLConnection, caseID: Int64) throws -> Instant? {
        try Instant(
            databaseText: db.value(
                String.self,
                "SELECT max(at) FROM (SELECT opened_at AS at FROM support_case WHERE id = ?1 UNION ALL SELECT at FROM case_event WHERE case_id = ?1) e",
                [caseID]))
    }

    /// The latest step of an RMA (its creation included).
    static func lastOfRMA(_ db: any SQLConnection, rmaID: Int64) throws -> Instant? {
        try Instant(
            databaseText: db.value(String.self, "SELECT max(at) FROM rma_event WHERE rma_id = ?", [rmaID]))
    }

    /// The latest move of a unit: any step that changed its status or place (`moved_at`, kept by every workflow
    /// since migration v8), or an RMA step it took part in.
    static func lastOfUnit(_ db: any SQLConnection, unitID: Int64) throws -> Instant? {
        try Instant(
            databaseText: db.value(
                String.self,
                """
                SELECT max(t) FROM (
                    SELECT moved_at AS t FROM appliance WHERE id = ?1
                    UNION ALL SELECT max(e.at) FROM rma_event e JOIN rma r ON r.id = e.rma_id WHERE r.appliance_id = ?1 OR r.replacement_id = ?1) t
                """, [unitID]))
    }
}

extension DepotDatabase {
    /// How far ahead of this machine's clock a step may be dated (another machine's clock may run a little fast).
    public static let allowedClockSkew: Int64 = 300

    /// Refuses `at` when it lies after now (plus the allowed skew) or before `previous`, the record's last event,
    /// which `what` names for the message.
    func checkEventTime(_ at: Instant, after previous: Instant?, _ what: @autoclosure () -> String) throws(DepotError) {
        let latest = now().adding(seconds: Self.allowedClockSkew)
        guard at <= latest else {
            throw .invalidArgument(
                name: "--at", value: at.description,
                reason:
                    "is in the future (the clock says \(now()); a step may be dated at most \(Self.allowedClockSkew / 60) minutes ahead)")
        }
        if let previous, at < previous {
            throw .invalidArgument(
                name: "--at", value: at.description, reason: "is before \(what()) (\(previous)): events of a record are dated in order")
        }
    }
}
