import DepotCore

/// A case as `depot case show` presents it. JSON keys are a contract; unset values are `null`.
public struct CaseDetail: Sendable, Encodable {
    public struct Escalation: Sendable, Encodable {
        public let target: EscalationTarget
        public let at: Instant
        public let threshold: String
        public let fired: Bool
        @NullEncodable public private(set) var firedAt: Instant?
        /// The deadline as the case was opened, before any wait on the customer moved it.
        public let originalAt: Instant
        /// Held while the case waits on the customer (the deadline had not passed when the wait began).
        public let held: Bool

        enum CodingKeys: String, CodingKey { case target, at, threshold, fired, firedAt, originalAt, held }
    }

    /// A time the case waited on the customer.
    public struct Pause: Sendable, Encodable {
        public let reason: String
        public let start: Instant
        @NullEncodable public private(set) var end: Instant?
        public let startedBy: String
        @NullEncodable public private(set) var endedBy: String?

        enum CodingKeys: String, CodingKey { case reason, start, end, startedBy, endedBy }
    }

    public struct Event: Sendable, Encodable {
        public let at: Instant
        public let kind: String
        public let actor: String
        @NullEncodable public private(set) var note: String?

        enum CodingKeys: String, CodingKey { case at, kind, actor, note }
    }

    public let number: CaseNumber
    public let customer: String
    public let contact: String
    public let type: CaseType
    @NullEncodable public private(set) var serial: Serial?
    public let title: String
    public let description: String
    @NullEncodable public private(set) var softwareVersion: String?
    public let impact: Level
    public let urgency: Level
    public let suggestedPriority: Priority
    public let priority: Priority
    @NullEncodable public private(set) var priorityReason: String?
    public let status: CaseStatus
    @NullEncodable public private(set) var tier: Tier?
    public let region: String
    public let openedAt: Instant
    @NullEncodable public private(set) var responseDue: Instant?
    @NullEncodable public private(set) var responseThreshold: String?
    @NullEncodable public private(set) var respondedAt: Instant?
    @NullEncodable public private(set) var resolvedAt: Instant?
    @NullEncodable public private(set) var closedAt: Instant?
    @NullEncodable public private(set) var closedConfirmedBy: String?
    @NullEncodable public private(set) var slaState: SLAState?
    public let escalations: [Escalation]
    /// The waits on the customer, oldest first, and their wall-clock total up to `now` (the escalation clocks stood still).
    public let pauses: [Pause]
    public let pausedSeconds: Int64
    public let rmas: [RMANumber]
    public let timeline: [Event]
    /// Whether the product version was outside the support policy when the case was opened (SPEC.md 3), and why.
    public let unsupportedVersion: Bool
    @NullEncodable public private(set) var unsupportedVersionReason: String?
    /// The engineer who owns the case; `nil`: unassigned.
    @NullEncodable public private(set) var owner: String?
    /// Whether the case was opened outside the region's hours with the customer's PIN, so its clocks run in
    /// wall-clock time from the opening (SPEC.md 8).
    public let afterHours: Bool
    /// How an opening outside the region's hours went for a tier with round-the-clock support (`pin`, `no-pin`,
    /// `wrong-pin`, `pin-limited`), and which clock applied, in words; `nil` for an opening in hours or another tier.
    @NullEncodable public private(set) var afterHoursOpening: AfterHoursOpening?
    @NullEncodable public private(set) var clockNote: String?
    /// When the case's clocks start: the opening, or the region's next opening after it (SPEC.md 8).
    public let clocksFrom: Instant
    /// The escalations the customer asked for, oldest first.
    public let customerEscalations: [CustomerEscalation]
    /// The satisfaction survey its closure invited the contact to, and the answer (SPEC.md 9); `nil`: none.
    @NullEncodable public private(set) var survey: CaseSurvey?

    enum CodingKeys: String, CodingKey {
        case number = "case"
        case customer, contact, type, serial, title, description, softwareVersion, impact, urgency, suggestedPriority, priority,
            priorityReason, status, tier, region, openedAt, responseDue, responseThreshold, respondedAt, resolvedAt, closedAt,
            closedConfirmedBy, slaState, escalations, pauses, pausedSeconds, rmas, timeline, unsupportedVersion,
            unsupportedVersionReason, owner, afterHours, afterHoursOpening, clockNote, clocksFrom, customerEscalations, survey
    }
}

/// One line of `depot case list`.
public struct CaseSummary: Sendable, Encodable {
    public let number: CaseNumber
    public let customer: String
    public let priority: Priority
    public let status: CaseStatus
    public let type: CaseType
    @NullEncodable public private(set) var serial: Serial?
    public let openedAt: Instant
    @NullEncodable public private(set) var responseDue: Instant?
    @NullEncodable public private(set) var slaState: SLAState?
    public let title: String
    /// The region whose clock the case's deadlines count in.
    public let region: String
    /// The response threshold the deadline was set by (`2 business-hours`), `nil` without an SLA.
    @NullEncodable public private(set) var responseThreshold: String?
    /// The engineer who owns the case; `nil`: unassigned.
    @NullEncodable public private(set) var owner: String?
    /// Whether the product version was outside the support policy when the case was opened.
    public let unsupportedVersion: Bool

    enum CodingKeys: String, CodingKey {
        case number = "case"
        case customer, priority, status, type, serial, openedAt, responseDue, slaState, title, region, responseThreshold, owner,
            unsupportedVersion
    }
}

/// Filters of `depot case list`; `nil` means any.
public struct CaseFilter: Sendable {
    public var customer: String?
    public var status: CaseStatus?
    public var priority: Priority?
    public var region: String?
    /// Only cases about this unit.
    public var serial: Serial?
    /// Only cases not yet resolved.
    public var unresolvedOnly = false
    /// Only cases whose response SLA is in this state at the time asked for.
    public var sla: SLAState?
    /// Only the cases this engineer owns.
    public var owner: String?
    /// Only cases nobody owns.
    public var unassigned = false

    public init(
        customer: String? = nil, status: CaseStatus? = nil, priority: Priority? = nil, region: String? = nil, serial: Serial? = nil,
        unresolvedOnly: Bool = false, sla: SLAState? = nil, owner: String? = nil, unassigned: Bool = false
    ) {
        self.owner = owner
        self.unassigned = unassigned
        self.sla = sla
        self.serial = serial
        self.customer = customer
        self.status = status
        self.priority = priority
        self.region = region
        self.unresolvedOnly = unresolvedOnly
    }
}

extension DepotDatabase {
    /// A case with its deadlines, SLA state at `now`, escalations, RMAs and timeline.
    public func caseDetail(_ number: CaseNumber, now: Instant) throws(DepotError) -> CaseDetail {
        try read { db in
            let row = try FindRecord.supportCase(db, number: number)
            let id: Int64 = row.id
            let opened = row.clockStart
            let pauses = try db.rows("SELECT * FROM case_pause WHERE case_id = ? ORDER BY started_at, id", [id], source: "query")
                .map { row throws(DepotError) in
                    let p = row.stored("case_pause")
                    return CaseDetail.Pause(
                        reason: try p("reason"), start: try p("started_at"), end: try p.optional("ended_at"),
                        startedBy: try p("started_by"),
                        endedBy: try p.optional("ended_by"))
                }
            let running = pauses.last.flatMap { $0.end == nil ? $0.start : nil }
            let clock = try clocks.clock(for: row.region)
            let escalations = try db.rows("SELECT * FROM case_escalation WHERE case_id = ? ORDER BY due_at, target", [id], source: "query")
                .map { row throws(DepotError) in
                    let e = row.stored("case_escalation")
                    let at: Instant = try e("due_at")
                    let firedAt: Instant? = try e.optional("fired_at")
                    let threshold: String = try e("threshold")
                    let original = (try? ClockDuration.parse(threshold).get()).flatMap { try? clock.adding($0, to: opened) } ?? at
                    return CaseDetail.Escalation(
                        target: try e("target"), at: at, threshold: threshold, fired: firedAt != nil, firedAt: firedAt,
                        originalAt: original, held: firedAt == nil && running.map { $0 < at } == true)
                }
            let timeline = try db.rows("SELECT * FROM case_event WHERE case_id = ? ORDER BY at, id", [id], source: "query")
                .map { row throws(DepotError) in
                    let event = row.stored("case_event")
                    return CaseDetail.Event(
                        at: try event("at"), kind: try event("kind"), actor: try event("actor"), note: try event.optional("note"))
                }
            let asked = try db.rows(
                """
                SELECT e.reason, e.at, e.recorded_by, k.email FROM customer_escalation e JOIN contact k ON k.id = e.contact_id
                WHERE e.case_id = ? ORDER BY e.at, e.id
                """, [id], source: "customer_escalation"
            ).map { e throws(DepotError) in
                CustomerEscalation(
                    caseNumber: row.number.text, requestedBy: try e("email"), reason: try e("reason"), at: try e("at"),
                    recordedBy: try e("recorded_by"))
            }
            let rmas = try db.rows("SELECT number FROM rma WHERE case_id = ? ORDER BY id", [id], source: "query")
                .map { row throws(DepotError) -> RMANumber in try row.decode("number", from: "rma") }
            let responseDue = row.responseDue
            let responded = row.respondedAt
            return CaseDetail(
                number: row.number, customer: try FindRecord.key(db, table: "customer", id: row.customerID) ?? "",
                contact: try FindRecord.key(db, table: "contact", id: row.contactID) ?? "",
                type: row.type,
                serial: try FindRecord.key(db, table: "appliance", id: row.applianceID),
                title: row.title, description: row.description, softwareVersion: row.softwareVersion,
                impact: row.impact,
                urgency: row.urgency,
                suggestedPriority: row.suggestedPriority,
                priority: row.priority,
                priorityReason: row.priorityReason, status: row.status,
                tier: row.tier, region: row.region,
                openedAt: row.openedAt, responseDue: responseDue,
                responseThreshold: row.responseThreshold, respondedAt: responded,
                resolvedAt: row.resolvedAt,
                closedAt: row.closedAt,
                closedConfirmedBy: try FindRecord.key(db, table: "contact", id: row.closedConfirmedBy),
                slaState: SLAState.of(due: responseDue, responded: responded, now: now),
                escalations: escalations, pauses: pauses,
                pausedSeconds: pauses.reduce(0) { $0 + CasePause(start: $1.start, end: $1.end).seconds(now: now) },
                rmas: rmas, timeline: timeline, unsupportedVersion: row.unsupportedVersion != nil,
                unsupportedVersionReason: row.unsupportedVersion, owner: row.owner, afterHours: row.afterHours?.wallClock ?? false,
                afterHoursOpening: row.afterHours, clockNote: row.afterHours?.explanation, clocksFrom: row.clockStart,
                customerEscalations: asked, survey: try Self.caseSurvey(db, caseID: id))
        }
    }

    /// Cases matching `filter`, newest first; or, `byTimeLeft`, those still to respond to by deadline (past ones first),
    /// then the others newest first: an engineer's queue.
    public func cases(_ filter: CaseFilter, now: Instant, limit: Int = 1000, offset: Int = 0, byTimeLeft: Bool = false) throws(DepotError)
        -> [CaseSummary]
    {
        let order = byTimeLeft ? ListOrder(CaseColumn.due) : ListOrder(.opened, descending: true)
        return try read { db in try Self.caseSummaries(db, filter, order: order, now: now, limit: limit, offset: offset) }
    }
}

/// How much of a deadline is left, in the kind of time its threshold counts.
public struct TimeLeft: Sendable, Equatable {
    /// Seconds left (negative once the deadline has passed: wall-clock seconds since it).
    public let seconds: Int64
    /// Whether `seconds` counts the region's business hours only.
    public let business: Bool
}

extension DepotDatabase {
    /// The time from `now` to `due` for a deadline set by `threshold` (`2 business-hours`, `1 hour`) in `region`:
    /// open hours of the region for business thresholds, wall-clock time otherwise and once the deadline has passed.
    public func timeLeft(until due: Instant, threshold: String?, region: String, now: Instant) -> TimeLeft {
        let business = threshold.flatMap { try? ClockDuration.parse($0).get() }?.unit.isBusiness ?? false
        guard business, due > now, let clock = try? clocks.clock(for: region), let seconds = try? clock.businessSeconds(from: now, to: due)
        else {
            return TimeLeft(seconds: due.secondsSinceEpoch - now.secondsSinceEpoch, business: false)
        }
        return TimeLeft(seconds: seconds, business: true)
    }
}
