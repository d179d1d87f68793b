import DepotCore

// The records the workflows read and change, decoded once from `SELECT *` (StoredRow): every column typed, an
// unreadable value refused. Column names map to camel case (`warranty_end` -> `warrantyEnd`).

/// A customer as stored.
struct CustomerRecord: TableRecord, Sendable {
    static let table = "customer"
    static let columns = ["id", "key", "name", "region", "account_manager", "tam"].joined(separator: ", ")
    let id: Int64
    let key: String
    let name: String
    let region: String
    let accountManager: String
    let tam: String?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        key = try row("key")
        name = try row("name")
        region = try row("region")
        accountManager = try row("account_manager")
        tam = try row.optional("tam")
    }
}

/// A support contact as stored.
struct ContactRecord: TableRecord, Sendable {
    static let table = "contact"
    static let columns = ["id", "email", "customer_id", "name", "designated", "certified"].joined(separator: ", ")
    let id: Int64
    let email: String
    let customerID: Int64
    let name: String
    let designated: Bool
    let certified: Bool

    init(id: Int64, email: String, customerID: Int64, name: String, designated: Bool, certified: Bool) {
        (self.id, self.email, self.customerID, self.name, self.designated, self.certified) = (
            id, email, customerID, name, designated, certified
        )
    }

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        email = try row("email")
        customerID = try row("customer_id")
        name = try row("name")
        designated = try row("designated")
        certified = try row("certified")
    }
}
/// An appliance as stored.
struct ApplianceRecord: TableRecord, Sendable {
    static let table = "appliance"
    static let columns = [
        "id", "serial", "model_id", "customer_id", "site_id", "depot_id", "ship_date", "warranty_end", "replacement_warranty",
        "software_version", "status", "replaces_id", "replaced_by_id", "moved_at",
    ].joined(separator: ", ")
    let id: Int64
    let serial: Serial
    let modelID: Int64
    let customerID: Int64?
    let siteID: Int64?
    let depotID: Int64?
    let shipDate: LocalDate
    let warrantyEnd: LocalDate
    let replacementWarranty: Bool
    let softwareVersion: String?
    let status: ApplianceStatus
    let replacesID: Int64?
    let replacedByID: Int64?
    let movedAt: Instant?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        serial = try row("serial")
        modelID = try row("model_id")
        customerID = try row.optional("customer_id")
        siteID = try row.optional("site_id")
        depotID = try row.optional("depot_id")
        shipDate = try row("ship_date")
        warrantyEnd = try row("warranty_end")
        replacementWarranty = try row("replacement_warranty")
        softwareVersion = try row.optional("software_version")
        status = try row("status")
        replacesID = try row.optional("replaces_id")
        replacedByID = try row.optional("replaced_by_id")
        movedAt = try row.optional("moved_at")
    }
}

/// A support case as stored.
struct CaseRecord: TableRecord, Sendable {
    static let table = "support_case"
    static let columns = [
        "id", "number", "customer_id", "contact_id", "appliance_id", "type", "title", "description", "product_version", "impact", "urgency",
        "suggested_priority", "priority", "priority_reason", "status", "tier", "region", "opened_at", "response_due", "response_threshold",
        "responded_at", "workaround_at", "resolved_at", "closed_at", "closed_confirmed_by", "opened_by", "unsupported_version", "owner",
        "after_hours", "clocks_from",
    ].joined(separator: ", ")
    let id: Int64
    let number: CaseNumber
    let customerID: Int64
    let contactID: Int64
    let applianceID: Int64?
    let type: CaseType
    let title: String
    let description: String
    let softwareVersion: String?
    let impact: Level
    let urgency: Level
    let suggestedPriority: Priority
    let priority: Priority
    let priorityReason: String?
    let status: CaseStatus
    let tier: Tier?
    let region: String
    let openedAt: Instant
    let responseDue: Instant?
    let responseThreshold: String?
    let respondedAt: Instant?
    let workaroundAt: Instant?
    let resolvedAt: Instant?
    let closedAt: Instant?
    let closedConfirmedBy: Int64?
    let openedBy: String
    /// Why the case's product version is outside the support policy, when it is (SPEC.md 3).
    let unsupportedVersion: String?
    /// The Depot user who took the case; `nil`: unassigned.
    let owner: String?
    /// How an opening while the region was closed went, for a tier with round-the-clock support (SPEC.md 8).
    let afterHours: AfterHoursOpening?
    /// When the case's clocks start, when not at its opening (the region's next opening: SPEC.md 8).
    let clocksFrom: Instant?

    /// When the case's clocks run from: the opening, or the region's next opening after it.
    var clockStart: Instant { clocksFrom ?? openedAt }

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        number = try row("number")
        customerID = try row("customer_id")
        contactID = try row("contact_id")
        applianceID = try row.optional("appliance_id")
        type = try row("type")
        title = try row("title")
        description = try row("description")
        softwareVersion = try row.optional("product_version")
        impact = try row("impact")
        urgency = try row("urgency")
        suggestedPriority = try row("suggested_priority")
        priority = try row("priority")
        priorityReason = try row.optional("priority_reason")
        status = try row("status")
        tier = try row.optional("tier")
        region = try row("region")
        openedAt = try row("opened_at")
        responseDue = try row.optional("response_due")
        responseThreshold = try row.optional("response_threshold")
        respondedAt = try row.optional("responded_at")
        workaroundAt = try row.optional("workaround_at")
        resolvedAt = try row.optional("resolved_at")
        closedAt = try row.optional("closed_at")
        closedConfirmedBy = try row.optional("closed_confirmed_by")
        openedBy = try row("opened_by")
        unsupportedVersion = try row.optional("unsupported_version")
        owner = try row.optional("owner")
        afterHours = try row.optional("after_hours")
        clocksFrom = try row.optional("clocks_from")
    }
}

/// An RMA as stored.
struct RMARecord: TableRecord, Sendable {
    static let table = "rma"
    static let columns = [
        "id", "number", "case_id", "appliance_id", "path", "state", "reason", "tier", "warranty_end", "in_warranty", "region", "verdict_at",
        "ship_by", "return_due", "replacement_id", "carrier", "tracking", "return_carrier", "return_tracking", "allocated_at", "shipped_at",
        "delivered_at", "return_shipped_at", "received_at", "closed_at", "outcome", "cancel_reason", "depot_id", "customer_id", "site_id",
        "return_depot_id",
    ].joined(separator: ", ")
    let id: Int64
    let number: RMANumber
    let caseID: Int64
    let applianceID: Int64
    let path: RMAPath
    let state: RMAState
    let reason: String
    let tier: Tier?
    let warrantyEnd: LocalDate
    let inWarranty: Bool
    let region: String
    let verdictAt: Instant
    let shipBy: Instant?
    let returnDue: Instant?
    let replacementID: Int64?
    let carrier: String?
    let tracking: String?
    let returnCarrier: String?
    let returnTracking: String?
    let allocatedAt: Instant?
    let shippedAt: Instant?
    let deliveredAt: Instant?
    let returnShippedAt: Instant?
    let receivedAt: Instant?
    let closedAt: Instant?
    let outcome: ReferralOutcome?
    let cancelReason: String?
    let depotID: Int64?
    let customerID: Int64?
    let siteID: Int64?
    let returnDepotID: Int64?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        number = try row("number")
        caseID = try row("case_id")
        applianceID = try row("appliance_id")
        path = try row("path")
        state = try row("state")
        reason = try row("reason")
        tier = try row.optional("tier")
        warrantyEnd = try row("warranty_end")
        inWarranty = try row("in_warranty")
        region = try row("region")
        verdictAt = try row("verdict_at")
        shipBy = try row.optional("ship_by")
        returnDue = try row.optional("return_due")
        replacementID = try row.optional("replacement_id")
        carrier = try row.optional("carrier")
        tracking = try row.optional("tracking")
        returnCarrier = try row.optional("return_carrier")
        returnTracking = try row.optional("return_tracking")
        allocatedAt = try row.optional("allocated_at")
        shippedAt = try row.optional("shipped_at")
        deliveredAt = try row.optional("delivered_at")
        returnShippedAt = try row.optional("return_shipped_at")
        receivedAt = try row.optional("received_at")
        closedAt = try row.optional("closed_at")
        outcome = try row.optional("outcome")
        cancelReason = try row.optional("cancel_reason")
        depotID = try row.optional("depot_id")
        customerID = try row.optional("customer_id")
        siteID = try row.optional("site_id")
        returnDepotID = try row.optional("return_depot_id")
    }
}

/// A case's escalation deadline as stored.
struct EscalationRecord: TableRecord, Sendable {
    static let table = "case_escalation"
    static let columns = ["id", "case_id", "target", "threshold", "due_at", "fired_at"].joined(separator: ", ")
    let id: Int64
    let caseID: Int64
    let target: EscalationTarget
    /// The rule's threshold as written (`5 business-days`).
    let threshold: String
    let dueAt: Instant
    let firedAt: Instant?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        caseID = try row("case_id")
        target = try row("target")
        threshold = try row("threshold")
        dueAt = try row("due_at")
        firedAt = try row.optional("fired_at")
    }
}

/// A depot as stored.
struct DepotRecord: TableRecord, Sendable {
    static let table = "depot"
    static let columns = ["id", "key", "name", "region", "address"].joined(separator: ", ")
    let id: Int64
    let key: String
    let name: String
    let region: String
    let address: String

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        key = try row("key")
        name = try row("name")
        region = try row("region")
        address = try row("address")
    }
}
