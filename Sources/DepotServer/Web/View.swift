import DepotCore
import DepotReports
import DepotStore
import Foundation

/// What each page shows, as plain values for its template. Everything here runs on the thread pool, with the
/// store's blocking reads; the templates escape every value.
enum View {
    /// A report's first rows, copied out of the report run.
    struct Table: Sendable {
        let columns: [String]
        let rows: [[String]]
        let total: Int

        init(_ table: ReportTable) {
            columns = table.columns
            rows = table.rows
            total = table.total
        }

        var values: [String: Any] {
            [
                "columns": columns, "rows": rows.map { ["cells": $0] }, "total": total, "shown": rows.count,
                "truncated": total > rows.count, "empty": total == 0,
            ]
        }
    }

    static func zone(_ database: DepotDatabase, region: String?) -> TimeZone {
        region.flatMap { try? database.policy.region($0).homeTimeZone } ?? .gmt
    }

    // MARK: Rows

    static func caseRow(_ c: CaseSummary, database: DepotDatabase, now: Instant) -> [String: Any] {
        let left = c.responseDue.map { database.timeLeft(until: $0, threshold: c.responseThreshold, region: c.region, now: now) }
        let sla = Format.sla(state: c.slaState, left: left)
        return [
            "number": c.number, "customer": c.customer, "priority": c.priority.rawValue, "status": c.status.rawValue,
            "type": c.type.rawValue, "serial": c.serial ?? "", "title": c.title, "sla": sla.text, "slaTone": sla.tone,
            "due": Format.local(c.responseDue, zone: zone(database, region: c.region)), "region": c.region,
        ]
    }

    static func unitRow(_ u: UnitSummary) -> [String: Any] {
        [
            "serial": u.serial, "model": u.model, "status": u.status.rawValue, "customer": u.customer ?? "", "site": u.site ?? "",
            "warrantyEnd": u.warrantyEnd.description,
        ]
    }

    static func rmaRow(_ r: RMADetail, database: DepotDatabase, actor: Actor?, back: String) -> [String: Any] {
        let zone = zone(database, region: r.region)
        return [
            "number": r.number, "case": r.caseNumber, "path": r.path.rawValue, "state": r.state.rawValue, "serial": r.serial,
            "model": r.model, "customer": r.customer ?? "", "site": r.site ?? "", "replacement": r.replacementSerial ?? "",
            "shipBy": Format.local(r.shipBy, zone: zone), "returnDue": Format.local(r.returnDue, zone: zone), "overdue": r.overdue,
            "carrier": r.carrier ?? "", "tracking": r.tracking ?? "", "back": back,
            "actions": actions(r, actor: actor, only: [.allocate, .ship, .deliver, .returnShip, .receive]),
        ]
    }

    /// The forms of the steps allowed next from the RMA's state (only those), each marked with whether the user may take it.
    static func actions(_ r: RMADetail, actor: Actor?, only: Set<RMAAction>? = nil) -> [[String: Any]] {
        r.allowedNext.filter { only?.contains($0) ?? true }.map { action in
            let permission = RMAStateMachine.permission(for: action, on: r.path)
            return [
                "action": action.rawValue, "label": label(action), "permitted": actor?.role.allows(permission) ?? false,
                "permission": permission.rawValue, "isAllocate": action == .allocate, "isShip": action == .ship,
                "isReturnShip": action == .returnShip, "isClose": action == .close, "isCancel": action == .cancel,
                "isReferral": r.path == .salesReferral, "outcomes": ReferralOutcome.allCases.map(\.rawValue),
            ]
        }
    }

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

    // MARK: Pages

    static func casePage(_ number: String, actor: Actor, database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let c = try database.caseDetail(number, now: now)
        let zone = zone(database, region: c.region)
        let left = c.responseDue.map { database.timeLeft(until: $0, threshold: c.responseThreshold, region: c.region, now: now) }
        let sla = Format.sla(state: c.slaState, left: left)
        let steps = CaseStateMachine.Action.allCases.filter { CaseStateMachine.next(from: c.status, by: $0) != nil }.map { step in
            [
                "action": step.rawValue, "label": step == .wait ? "Wait on customer" : step.rawValue.capitalized, "isClose": step == .close,
                "isWait": step == .wait,
            ] as [String: Any]
        }
        let attachments = try database.attachments(of: c.number)
        let rmas = try c.rmas.map { number -> [String: Any] in
            let r = try database.rmaDetail(number, now: now)
            return ["number": r.number, "path": r.path.rawValue, "state": r.state.rawValue]
        }
        return [
            "number": c.number, "customer": c.customer, "contact": c.contact, "type": c.type.rawValue, "serial": c.serial ?? "",
            "title": c.title, "description": c.description, "version": c.productVersion ?? "", "impact": c.impact.rawValue,
            "urgency": c.urgency.rawValue, "priority": c.priority.rawValue, "suggested": c.suggestedPriority.rawValue,
            "priorityReason": c.priorityReason ?? "", "status": c.status.rawValue, "tier": c.tier?.rawValue ?? "no contract",
            "region": c.region, "zone": zone.identifier, "openedAt": Format.local(c.openedAt, zone: zone),
            "responseDue": Format.local(c.responseDue, zone: zone), "threshold": c.responseThreshold ?? "",
            "respondedAt": Format.local(c.respondedAt, zone: zone), "sla": sla.text, "slaTone": sla.tone,
            "escalations": c.escalations.map { e in
                [
                    "target": e.target.rawValue, "at": Format.local(e.at, zone: zone), "threshold": e.threshold,
                    "state": e.fired
                        ? "fired \(Format.local(e.firedAt, zone: zone))" : e.held ? "held while waiting on the customer" : "pending",
                    "moved": e.at != e.originalAt ? "moved from \(Format.local(e.originalAt, zone: zone))" : "",
                ] as [String: Any]
            },
            "pauses": c.pauses.map { p in
                [
                    "start": Format.local(p.start, zone: zone), "end": p.end.map { Format.local($0, zone: zone) } ?? "still waiting",
                    "reason": p.reason,
                    "by": p.startedBy,
                ] as [String: Any]
            },
            "hasPauses": !c.pauses.isEmpty, "paused": Format.duration(c.pausedSeconds),
            "hasAttachments": !attachments.isEmpty,
            "attachments": attachments.map { a in
                [
                    "id": String(a.id), "name": a.name, "type": a.mediaType, "size": Format.bytes(a.size), "secure": a.secure,
                    "uploaded": Format.local(a.uploadedAt, zone: zone), "by": a.uploadedBy,
                ] as [String: Any]
            },
            "isOpen": c.status != .closed, "maxMegabytes": String(database.policy.attachments.maxBytes / 1_000_000),
            "rmas": rmas, "hasRMAs": !rmas.isEmpty,
            "timeline": c.timeline.map {
                ["at": Format.local($0.at, zone: zone), "kind": $0.kind, "actor": $0.actor, "note": $0.note ?? ""]
            },
            "steps": steps, "canManage": actor.role.allows(.manageCases),
            "canDiagnose": c.status.isUnresolved && actor.role.allows(.diagnose) && c.type == .hardwareFault,
            "verdicts": Verdict.allCases.map(\.rawValue),
        ]
    }

    static func unitPage(_ serial: String, database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let u = try database.unitDetail(serial)
        let today = database.policy.day(of: now, region: try database.region(ofUnit: u.serial))
        // The whole lineage: what this unit replaced, back to the first, and what replaced it, up to the latest.
        var earlier: [String] = []
        var cursor = u.replaces
        while let s = cursor, earlier.count < 50, let unit = try? database.unitDetail(s) {
            earlier.insert(s, at: 0)
            cursor = unit.replaces
        }
        var later: [String] = []
        cursor = u.replacedBy
        while let s = cursor, later.count < 50, let unit = try? database.unitDetail(s) {
            later.append(s)
            cursor = unit.replacedBy
        }
        let lineage =
            earlier.map { ["serial": $0, "current": false] } + [["serial": u.serial, "current": true]]
            + later.map { ["serial": $0, "current": false] }
        var contract: [String: Any] = [:]
        if let customer = u.customer {
            let detail = try database.customerDetail(customer, at: now)
            if let active = detail.contracts.filter(\.active).max(by: { ($0.tier, $0.end) < ($1.tier, $1.end) }) {
                contract = ["key": active.key, "tier": active.tier.rawValue, "end": active.end.description]
            }
            contract["customerName"] = detail.name
            contract["accountManager"] = detail.accountManager
        }
        // The latest 50 cases and 20 RMAs; a unit with more says how many there are.
        let cases = try database.cases(CaseFilter(serial: u.serial), now: now, limit: 50).map { c -> [String: Any] in
            ["number": c.number, "title": c.title, "status": c.status.rawValue, "priority": c.priority.rawValue]
        }
        let rmas = try u.rmas.suffix(20).reversed().map { number -> [String: Any] in
            let r = try database.rmaDetail(number, now: now)
            return [
                "number": r.number, "path": r.path.rawValue, "state": r.state.rawValue, "serial": r.serial,
                "replacement": r.replacementSerial ?? "",
            ]
        }
        return [
            "serial": u.serial, "model": u.model, "status": u.status.rawValue, "customer": u.customer ?? "", "site": u.site ?? "",
            "depot": u.depot ?? "", "shipDate": u.shipDate.description, "warrantyEnd": u.warrantyEnd.description,
            // SPEC.md 1: the end date is the first day out of warranty; the last day covered is the day before.
            "lastCoveredDay": u.warrantyEnd.adding(days: -1).description, "today": today.description,
            "inWarranty": today < u.warrantyEnd, "replacementWarranty": u.replacementWarranty, "version": u.softwareVersion ?? "",
            "replaces": u.replaces ?? "", "replacedBy": u.replacedBy ?? "", "lineage": lineage, "hasLineage": lineage.count > 1,
            "contract": contract, "hasContract": contract["key"] != nil,
            "cases": cases, "hasCases": !cases.isEmpty, "rmas": rmas, "hasRMAs": !rmas.isEmpty,
            "caseCount": u.cases.count, "moreCases": u.cases.count > cases.count, "rmaCount": u.rmas.count,
            "moreRMAs": u.rmas.count > rmas.count,
        ]
    }

    static func customerPage(_ key: String, database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let c = try database.customerDetail(key, at: now)
        let cases = try database.cases(CaseFilter(customer: c.key, unresolvedOnly: true), now: now, limit: 100)
            .map { caseRow($0, database: database, now: now) }
        return [
            "key": c.key, "name": c.name, "region": c.region, "accountManager": c.accountManager, "tam": c.tam ?? "",
            "tier": c.tier?.rawValue ?? "no active contract", "units": c.units, "openCases": c.openCases, "openRMAs": c.openRMAs,
            "sites": c.sites.map { ["key": $0.key, "name": $0.name, "country": $0.country, "region": $0.region, "address": $0.address] },
            "contracts": c.contracts.map {
                [
                    "key": $0.key, "tier": $0.tier.rawValue, "start": $0.start.description, "end": $0.end.description,
                    "maxContacts": $0.maxContacts, "active": $0.active,
                ] as [String: Any]
            },
            "contacts": c.contacts.map {
                ["email": $0.email, "name": $0.name, "designated": $0.designated, "certified": $0.certified] as [String: Any]
            },
            "cases": cases, "hasCases": !cases.isEmpty,
        ]
    }

    static func logisticsPage(actor: Actor, database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let open = try database.rmas(RMAFilter(openOnly: true), now: now, limit: 500).filter { $0.path != .salesReferral }
        let queue = open.sorted { a, b in
            switch (a.shipBy, b.shipBy) {
            case let (x?, y?): x == y ? a.number < b.number : x < y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.number < b.number
            }
        }
        let overdue = try database.rmas(RMAFilter(openOnly: true, overdueOnly: true), now: now, limit: 500)
        let spares = View.Table(
            try database.table(
                ReportCatalog.named("spare-stock"), parameters: ReportParameters.today(at: now, policy: database.policy), limit: 500))
        return [
            "queue": queue.map { rmaRow($0, database: database, actor: actor, back: "/logistics") }, "hasQueue": !queue.isEmpty,
            "overdue": overdue.map { rmaRow($0, database: database, actor: actor, back: "/logistics") }, "hasOverdue": !overdue.isEmpty,
            "spares": spares.values,
        ]
    }

    static func rmaPage(_ number: String, actor: Actor, database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let r = try database.rmaDetail(number, now: now)
        let zone = zone(database, region: r.region)
        let reached = Set(r.history.map(\.to))
        let states = RMAStateMachine.states(r.path).map { state -> [String: Any] in
            ["state": state.rawValue, "current": state == r.state, "reached": reached.contains(state.rawValue) && state != r.state]
        }
        let transitions = RMAStateMachine.transitions(r.path).map { t -> [String: Any] in
            ["from": t.from.rawValue, "action": t.action.rawValue, "to": t.to.rawValue, "next": t.from == r.state]
        }
        var values = rmaRow(r, database: database, actor: actor, back: "")
        values["actions"] = actions(r, actor: actor)
        values["hasActions"] = !r.allowedNext.isEmpty
        values["ships"] = r.path != .salesReferral
        values["states"] = states
        values["transitions"] = transitions
        values["tier"] = r.tier?.rawValue ?? "no contract"
        values["warrantyEnd"] = r.warrantyEnd.description
        values["inWarranty"] = r.inWarranty
        values["reason"] = r.reason
        values["verdictAt"] = Format.local(r.verdictAt, zone: zone)
        values["returnCarrier"] = r.returnCarrier ?? ""
        values["returnTracking"] = r.returnTracking ?? ""
        values["outcome"] = r.outcome ?? ""
        values["cancelReason"] = r.cancelReason ?? ""
        values["history"] = r.history.map { s in
            [
                "at": Format.local(s.at, zone: zone), "action": s.action, "from": s.from ?? "", "to": s.to, "actor": s.actor,
                "note": s.note ?? "",
            ]
        }
        return values
    }

    static func accountsPage(database: DepotDatabase, now: Instant) throws -> [String: Any] {
        let parameters = ReportParameters.today(at: now, policy: database.policy, withinDays: 90)
        let months = try database.warrantyExpiriesByMonth(parameters)
        let expiries = View.Table(try database.table(ReportCatalog.named("warranty-expiry"), parameters: parameters, limit: 200))
        let renewals = View.Table(
            try database.table(
                ReportCatalog.named("contract-renewals"),
                parameters: ReportParameters.today(at: now, policy: database.policy, withinDays: 90), limit: 200))
        let referrals = View.Table(
            try database.table(
                ReportCatalog.named("sales-referrals"), parameters: ReportParameters.today(at: now, policy: database.policy), limit: 200))
        return [
            "chart": WarrantyChart.svg(months), "months": months.map { ["month": $0.month, "count": $0.count] },
            "expiries": expiries.values, "renewals": renewals.values, "referrals": referrals.values,
        ]
    }
}
