import DepotCore
import DepotStore
import Foundation
import Mustache

/// Where an RMA stands for logistics, by the steps its state allows next (the state machine is the one truth: an
/// advance replacement's `return-received` has shipped long ago, a return-then-replace's has not).
extension RMADetail {
    /// Its replacement is still to be allocated or shipped.
    var awaitsShipment: Bool { RMAQueue.toShip.contains(allowed: allowedNext) }
    /// Its replacement is on its way.
    var inTransit: Bool { RMAQueue.inTransit.contains(allowed: allowedNext) }
    /// Its defective unit is still to come back.
    var awaitsReturn: Bool { RMAQueue.returns.contains(allowed: allowedNext) }

    /// The deadline still ahead of it: the ship-by until the replacement ships, then the return due until the unit is
    /// back; none once its step is taken.
    var nextDeadline: (what: String, at: Instant)? {
        if awaitsShipment, let shipBy { return ("ship by", shipBy) }
        if awaitsReturn, let returnDue { return ("return due", returnDue) }
        return nil
    }

    /// Which deadline an overdue RMA missed.
    var overdueText: String { awaitsShipment ? "late to ship" : "return overdue" }
}

/// An RMA in the shipping queue or the overdue returns, with the forms of its next steps; also the facts at the
/// top of the RMA's own page.
struct RMARow: MustacheParent, Sendable {
    let rma: RMADetail
    /// The ship-by deadline and the return's due time in the RMA region's home zone.
    let shipBy: String
    let returnDue: String
    /// Where a step's form returns to after it is taken (empty: the RMA's page).
    let back: String
    let actions: [RMAActionForm]
    /// The deadline the list that shows the row is about, in the RMA region's zone, with the time left or late.
    let deadline: Deadline?

    /// A deadline of a list: when, and how far from now.
    struct Deadline: Sendable {
        let at: Instant
        /// Whether the deadline still applies (a shipment already made is not late).
        let late: Bool
        let relative: String

        init(at: Instant, now: Instant, pending: Bool) {
            self.at = at
            let seconds = at.secondsSinceEpoch - now.secondsSinceEpoch
            late = pending && seconds < 0
            relative =
                seconds < 0 ? "\(PageTimes.duration(-seconds)) \(pending ? "late" : "ago")" : "in \(PageTimes.duration(seconds))"
        }
    }

    /// The row of `r`, with the forms of the steps allowed next that are in `only` (all when `nil`).
    init(
        _ r: RMADetail, database: DepotDatabase, actor: ActingUser?, back: String, now: Instant, only: Set<RMAAction>? = nil,
        deadline: Deadline? = nil, submitted: SubmittedForm? = nil
    ) {
        let zone = PageTimes.zone(database, region: r.region)
        rma = r
        shipBy = PageTimes.local(r.shipBy, zone: zone)
        returnDue = PageTimes.local(r.returnDue, zone: zone)
        self.back = back
        actions = RMAActionForm.forms(r, actor: actor, only: only, zone: zone, now: now, submitted: submitted)
        self.deadline = deadline
        deadlineText = PageTimes.local(deadline?.at, zone: zone)
    }

    private let deadlineText: String
    /// The customer's name, shown next to its key in the lists.
    var customerName: String?

    func child(named name: String) -> Any? {
        switch name {
        case "number": text(rma.number)
        case "case": text(rma.caseNumber)
        case "path": text(rma.path.rawValue)
        case "state": text(rma.state.rawValue)
        case "serial": key(rma.serial)
        case "model": text(rma.model)
        case "customer": key(rma.customer)
        case "customerName": text(customerName)
        case "site": text(rma.site)
        case "replacement": key(rma.replacementSerial)
        case "shipBy": text(shipBy)
        case "returnDue": text(returnDue)
        case "overdue": rma.overdue
        // Which deadline passed: the replacement's shipment, or the defective unit's return.
        case "overdueText": rma.overdueText
        case "noReplacement":
            rma.path == .salesReferral ? "none: a sales referral ships nothing" : rma.state.isOpen ? "none yet" : "none"
        case "deadline": text(deadlineText)
        case "relative": text(deadline?.relative)
        case "late": deadline?.late ?? false
        case "carrier": text(rma.carrier)
        case "tracking": text(rma.tracking)
        case "back": text(back)
        case "actions": actions
        default: nil
        }
    }
}

/// The form of one RMA step (`rma-actions.mustache`), or, when the user's role may not take it, the permission it needs.
struct RMAActionForm: MustacheParent, Sendable {
    let action: RMAAction
    let permitted: Bool
    let permission: String
    let isReferral: Bool
    /// The RMA region's zone, in which the form's date and time fields are read, and "now" there (`2026-11-24T10:00`).
    var zone = ""
    var now = ""
    /// The form as it was sent when it was refused (the values and the message at its field).
    var state = FormState()

    /// The forms of the steps allowed next from the RMA's state that are in `only` (all when `nil`).
    static func forms(
        _ r: RMADetail, actor: ActingUser?, only: Set<RMAAction>?, zone: TimeZone, now: Instant, submitted: SubmittedForm? = nil
    ) -> [RMAActionForm] {
        let local = PageTimes.local(now, zone: zone)  // `2026-11-24 10:00 (America/New_York)`
        let field = String(local.prefix(16)).replacingOccurrences(of: " ", with: "T")
        return r.allowedNext.filter { only?.contains($0) ?? true }.map { action in
            let permission = RMAStateMachine.permission(for: action, on: r.path)
            return RMAActionForm(
                action: action, permitted: actor?.role.allows(permission) ?? false, permission: permission.rawValue,
                isReferral: r.path == .salesReferral, zone: zone.identifier, now: field,
                state: submitted?.name == "step-\(action.rawValue)" ? submitted?.state ?? FormState() : FormState())
        }
    }

    /// The step's button.
    static func label(_ action: RMAAction) -> String {
        switch action {
        case .allocate: "Allocate a spare"
        case .ship: "Ship the replacement"
        case .deliver: "Mark delivered"
        case .returnShip: "Record the return shipment"
        case .receive: "Receive the returned unit"
        case .close: "Close"
        case .cancel: "Cancel the RMA"
        }
    }

    private static let outcomes = ReferralOutcome.allCases.map(\.rawValue)

    func child(named name: String) -> Any? {
        switch name {
        case "action": text(action.rawValue)
        case "label": text(Self.label(action))
        case "permitted": permitted
        case "permission": text(permission)
        case "isAllocate": action == .allocate
        case "isShip": action == .ship
        case "isReturnShip": action == .returnShip
        case "isClose": action == .close
        case "isCancel": action == .cancel
        case "isDeliver": action == .deliver
        case "isReceive": action == .receive
        case "takesTime": action == .deliver || action == .receive
        case "confirms": action == .cancel || (action == .close && isReferral)
        case "zone": text(zone)
        case "now": text(state.value("at") ?? now)
        case "form": state.form
        case "problems": state.problems
        case "outcomeOptions":
            SelectOption.list(Self.outcomes, chosen: state.value("outcome"), default: "")
        case "isReferral": isReferral
        case "outcomes": Self.outcomes
        default: nil
        }
    }
}
