import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/cases/{number}`: a case's facts and SLA, its RMAs, the diagnosis form, the next steps, escalations,
/// attachments, waits on the customer and the timeline. Times are in the case region's home zone.
struct CasePage: PageModel {
    static let template = "case"
    let title: String
    let detail: CaseDetail
    let zone: TimeZone
    let sla: (text: String, tone: String)
    let openedAt: String
    let responseDue: String
    let respondedAt: String
    let paused: String
    let maxMegabytes: String
    let resolvedAt: String
    let reopenClosed: String
    let customerName: String?
    let steps: [Step]
    let diagnosis: DiagnosisForm
    /// The problem of a refused form the page no longer shows (the step is not allowed now, the role may not use it).
    let pageProblem: String?
    let rmas: [RMALink]
    let escalations: [Escalation]
    let pauses: [Pause]
    let attachments: [Attachment]
    let timeline: [Event]
    let canManage: Bool
    let canDiagnose: Bool
    let ownership: OwnershipForms

    /// The page of case `number`; `submitted` is a form of the page that was refused, shown again as it was sent.
    init(_ number: CaseNumber, actor: ActingUser, database: DepotDatabase, now: Instant, submitted: SubmittedForm? = nil) throws {
        let c = try database.caseDetail(number, now: now)
        let zone = PageTimes.zone(database, region: c.region)
        let left = c.responseDue.map { database.timeLeft(until: $0, threshold: c.responseThreshold, region: c.region, now: now) }
        title = "Case \(number)"
        detail = c
        self.zone = zone
        sla = PageTimes.sla(state: c.slaState, left: left)
        openedAt = PageTimes.local(c.openedAt, zone: zone)
        responseDue = PageTimes.local(c.responseDue, zone: zone)
        respondedAt = PageTimes.local(c.respondedAt, zone: zone)
        paused = PageTimes.duration(c.pausedSeconds)
        maxMegabytes = String(database.policy.attachments.maxBytes / 1_000_000)
        // Reopening is offered only while the policy's days after the resolution last.
        let reopenable =
            c.resolvedAt.map {
                CaseStateMachine.reopenRefusal(case: c.number.text, resolvedAt: $0, at: now, days: database.policy.caseReopenDays) == nil
            } ?? false
        resolvedAt = PageTimes.local(c.resolvedAt, zone: zone)
        // Why a resolved case offers no Reopen any more.
        reopenClosed =
            c.status == .resolved && !reopenable
            ? "It can no longer be reopened: it was resolved more than \(database.policy.caseReopenDays) days ago; open a new case." : ""
        steps = CaseStateMachine.Action.allCases.filter {
            CaseStateMachine.next(from: c.status, by: $0) != nil && ($0 != .reopen || reopenable)
        }.map { action in
            Step(action: action, state: submitted?.name == "step-\(action.rawValue)" ? submitted?.state : nil)
        }
        diagnosis = DiagnosisForm(
            state: submitted?.name == "diagnosis" ? submitted?.state ?? FormState() : FormState(), serial: c.serial?.text ?? "")
        rmas = try c.rmas.map { RMALink(try database.rmaDetail($0, now: now)) }
        customerName = try database.customerNames([c.customer])[c.customer]
        escalations = c.escalations.map { Escalation($0, zone: zone, status: c.status) }
        pauses = c.pauses.map { Pause($0, zone: zone) }
        attachments = try database.attachments(of: c.number, visibleTo: actor).map { Attachment($0, zone: zone) }
        timeline = c.timeline.map { Event($0, zone: zone) }
        canManage = actor.role.allows(.manageCases)
        // A diagnosis that found the unit defective opened an RMA: the unit is diagnosed again only once that is over.
        let openRMA = rmas.contains { $0.open }
        canDiagnose = c.status.isUnresolved && actor.role.allows(.diagnose) && c.type == .hardwareFault && !openRMA
        ownership = try OwnershipForms(c, actor: actor, database: database, zone: zone, submitted: submitted)
        let forms =
            (canDiagnose ? ["diagnosis"] : []) + (canManage ? steps.map { "step-\($0.action.rawValue)" } + ownership.shownForms : [])
        let shown = submitted.map { forms.contains($0.name) } ?? false
        pageProblem = shown ? nil : submitted?.state.problem?.message
    }

    func child(named name: String) -> Any? {
        switch name {
        case "number": text(detail.number)
        case "customer": key(detail.customer)
        case "customerName": text(customerName)
        case "contact": text(detail.contact)
        case "type": text(detail.type.rawValue)
        case "serial": key(detail.serial)
        case "title": text(detail.title)
        case "description": text(detail.description)
        case "version": text(detail.softwareVersion)
        case "unsupportedVersion": text(detail.unsupportedVersionReason)
        case "impact": text(detail.impact.rawValue)
        case "urgency": text(detail.urgency.rawValue)
        case "priority": text(detail.priority.rawValue)
        case "suggested": text(detail.suggestedPriority.rawValue)
        case "priorityReason": text(detail.priorityReason)
        case "status": text(detail.status.rawValue)
        case "tier": text(detail.tier?.rawValue ?? "no contract")
        case "region": text(detail.region)
        case "zone": text(zone.identifier)
        case "openedAt": text(openedAt)
        case "resolvedAt": text(resolvedAt)
        case "reopenClosed": text(reopenClosed)
        case "responseDue": text(responseDue)
        // A response that met its SLA has no due time left to show.
        case "showDue": detail.slaState != .met
        case "threshold": text(detail.responseThreshold)
        case "respondedAt": text(respondedAt)
        case "sla": text(sla.text)
        case "slaTone": text(sla.tone)
        case "escalations": escalations
        case "pauses": pauses
        case "hasPauses": !pauses.isEmpty
        case "paused": text(paused)
        case "attachments": attachments
        case "hasAttachments": !attachments.isEmpty
        case "isOpen": detail.status != .closed
        case "maxMegabytes": text(maxMegabytes)
        case "rmas": rmas
        case "hasRMAs": !rmas.isEmpty
        case "timeline": timeline
        case "steps": steps
        case "canManage": canManage
        case "canDiagnose": canDiagnose
        case "diagnosis": diagnosis
        case "pageProblem": text(pageProblem)
        case "ownership": ownership
        case "clockNote": text(detail.clockNote)
        case "survey": detail.survey.map { text(Self.survey($0, zone: zone)) } ?? nil
        default: nil
        }
    }

    /// The survey line: the answer once given, else whom it invited and until when (SPEC.md 9).
    static func survey(_ survey: CaseSurvey, zone: TimeZone) -> String {
        guard let answered = survey.answeredAt, let score = survey.score else {
            return "\(survey.contact) invited \(PageTimes.local(survey.invitedAt, zone: zone)); the link expires "
                + PageTimes.local(survey.expiresAt, zone: zone)
        }
        return "\(score) of 5 from \(survey.contact), \(PageTimes.local(answered, zone: zone))"
            + (survey.comment.map { ": “\($0)”" } ?? "")
    }

    /// A case step the case's status allows next, as a form; `state` when it was sent and refused.
    struct Step: MustacheParent, Sendable {
        let action: CaseStateMachine.Action
        let state: FormState?

        func child(named name: String) -> Any? {
            switch name {
            case "action": text(action.rawValue)
            case "label": text(action == .wait ? "Wait on customer" : action.rawValue.capitalized)
            case "isClose": action == .close
            case "isWait": action == .wait
            case "note": text(state?.value("note"))
            case "confirmedBy": text(state?.value("confirmedBy"))
            case "problem": text(state?.problem?.message)
            default: nil
            }
        }
    }

    /// The diagnosis form: the case's unit and the first verdict, or what was sent and refused.
    struct DiagnosisForm: MustacheParent, Sendable {
        let state: FormState
        let serial: String

        /// Every field of the form.
        static let fields: Set<String> = ["serial", "verdict", "note", "checks"]

        func child(named name: String) -> Any? {
            switch name {
            case "form": FormState.Values(values: ["serial": serial].merging(state.values) { $1 })
            case "problems": state.problems
            case "problem": text(state.problem?.message)
            case "verdicts":
                // No default: `defective` starts an RMA, so the verdict is always chosen.
                [SelectOption(value: "", label: "choose the verdict", selected: state.value("verdict") == nil)]
                    + SelectOption.list(Verdict.allCases.map(\.rawValue), chosen: state.value("verdict"), default: "")
            default: nil
            }
        }
    }

    /// An RMA the case started.
    struct RMALink: MustacheParent, Sendable {
        let number: String
        let path: String
        let state: String
        let open: Bool

        init(_ r: RMADetail) {
            number = r.number.text
            path = r.path.rawValue
            state = r.state.rawValue
            open = r.state.isOpen
        }

        func child(named name: String) -> Any? {
            switch name {
            case "number": text(number)
            case "path": text(path)
            case "state": text(state)
            default: nil
            }
        }
    }

    /// An escalation deadline: when, whether it fired or is held, and where it was before a wait moved it.
    struct Escalation: MustacheParent, Sendable {
        let target: String
        let at: String
        let threshold: String
        let state: String
        let moved: String

        init(_ e: CaseDetail.Escalation, zone: TimeZone, status: CaseStatus) {
            target = e.target.rawValue
            at = PageTimes.local(e.at, zone: zone)
            threshold = e.threshold
            // Resolving and closing stop every clock (SPEC.md 3): an escalation not fired by then never fires.
            let stopped = status == .resolved || status == .closed
            state =
                e.fired
                ? "fired \(PageTimes.local(e.firedAt, zone: zone))"
                : stopped ? "stopped: the case is \(status.rawValue)" : e.held ? "held while waiting on the customer" : "pending"
            moved = e.at != e.originalAt ? "moved from \(PageTimes.local(e.originalAt, zone: zone))" : ""
        }

        func child(named name: String) -> Any? {
            switch name {
            case "target": text(target)
            case "at": text(at)
            case "threshold": text(threshold)
            case "state": text(state)
            case "moved": text(moved)
            default: nil
            }
        }
    }

    /// A wait on the customer.
    struct Pause: MustacheParent, Sendable {
        let start: String
        let end: String
        let reason: String
        let by: String

        init(_ p: CaseDetail.Pause, zone: TimeZone) {
            start = PageTimes.local(p.start, zone: zone)
            end = p.end.map { PageTimes.local($0, zone: zone) } ?? "still waiting"
            reason = p.reason
            by = p.startedBy
        }

        func child(named name: String) -> Any? {
            switch name {
            case "start": text(start)
            case "end": text(end)
            case "reason": text(reason)
            case "by": text(by)
            default: nil
            }
        }
    }

    /// An attached file, as a download link.
    struct Attachment: MustacheParent, Sendable {
        let attachment: CaseAttachment
        let uploaded: String

        init(_ a: CaseAttachment, zone: TimeZone) {
            attachment = a
            uploaded = PageTimes.local(a.uploadedAt, zone: zone)
        }

        func child(named name: String) -> Any? {
            switch name {
            case "id": text(String(attachment.id))
            case "name": text(attachment.name)
            case "type": text(attachment.mediaType)
            case "size": text(PageTimes.bytes(attachment.size))
            case "secure": attachment.secure
            case "uploaded": text(uploaded)
            case "by": text(attachment.uploadedBy)
            default: nil
            }
        }
    }

    /// An entry of the case's timeline.
    struct Event: MustacheParent, Sendable {
        let at: String
        let event: CaseDetail.Event

        init(_ e: CaseDetail.Event, zone: TimeZone) {
            at = PageTimes.local(e.at, zone: zone)
            event = e
        }

        func child(named name: String) -> Any? {
            switch name {
            case "at": text(at)
            case "kind": text(event.kind)
            case "actor": text(event.actor)
            case "note": text(event.note)
            default: nil
            }
        }
    }
}
