import DepotCore
import DepotStore
import DepotTestSupport
import Foundation

/// Each operation applied to Depot and to the model: the model says whether Depot must accept it and, when it
/// does, what changes.
extension FleetModelRun {
    static let engineer = TestDepot.engineer
    static let logistics = TestDepot.logistics
    static let accountManager = TestDepot.accountManager
    static let admin = TestDepot.admin

    /// Applies one operation; returns false when it names a record that does not exist (a shrunk sequence), so nothing ran.
    @discardableResult
    func apply(_ operation: Operation) -> Bool {
        switch operation {
        case let .openCase(customer, contact, unit, type, impact, urgency, time, who):
            guard customer < model.customers.count, contact < model.contacts.count, unit.map({ $0 < model.units.count }) ?? true else {
                return false
            }
            openCase(
                customer: model.customers[customer], contact: model.contacts[contact], unit: unit.map { model.units[$0] }, type: type,
                impact: impact, urgency: urgency, time: time, who: who)
        case let .advanceCase(index, action, contact, time, who):
            guard index < model.cases.count, contact < model.contacts.count else { return false }
            advanceCase(index, action, contact: model.contacts[contact], time: time, who: who)
        case let .diagnose(index, unit, verdict, time, who):
            guard index < model.cases.count, unit < model.units.count else { return false }
            diagnose(index, serial: model.units[unit].serial, verdict: verdict, time: time, who: who)
        case let .rmaStep(index, action, spare, outcome, time, who):
            guard index < model.rmas.count, spare.map({ $0 < model.units.count }) ?? true else { return false }
            rmaStep(index, action, spare: spare.map { model.units[$0].serial }, outcome: outcome, time: time, who: who)
        case let .refurbish(unit, depot, time, who):
            guard unit < model.units.count else { return false }
            refurbish(model.units[unit].serial, depot: depot, time: time, who: who)
        case let .scrap(unit, time, who):
            guard unit < model.units.count else { return false }
            scrap(model.units[unit].serial, time: time, who: who)
        case let .attach(index, secure, time, who):
            guard index < model.cases.count else { return false }
            attach(index, secure: secure, time: time, who: who)
        case let .retention(advance):
            retention(advance: advance)
        case let .erase(customer, contact):
            guard customer < model.customers.count, contact.map({ $0 < model.contacts.count }) ?? true else { return false }
            erase(model.customers[customer], contact: contact.map { model.contacts[$0] })
        case let .export(customer):
            guard customer < model.customers.count else { return false }
            exportAndCheck(model.customers[customer])
        }
        return true
    }

    // MARK: - Cases

    func openCase(
        customer: String, contact: FleetModel.Contact, unit: FleetModel.Unit?, type: CaseType, impact: Level, urgency: Level,
        time: TimeSpec, who: Who
    ) {
        let at = instant(time, last: nil)
        var (actor, refusals) = pickActor(who, allowed: Self.engineer, wrong: Self.logistics)
        refusals += timeRefusals(at, last: nil)
        if contact.customer != customer { refusals.append(.rule("\(contact.email) is not a contact of \(customer)")) }
        if let unit, unit.customer != customer { refusals.append(.rule("\(unit.serial) is not a unit of \(customer)")) }
        if let unit, unit.customer == customer, !unit.status.isAtCustomer {
            refusals.append(.rule("\(unit.serial) is \(unit.status.rawValue): a hardware fault is reported on a unit in service"))
        }
        refusals += contractRefusals(customer: customer, contact: contact, unit: unit, type: type, impact: impact, urgency: urgency, at: at)
        let request = NewCase(
            customer: customer, contact: contact.email, type: type,
            serial: unit.map { Serial($0.serial)! },
            impact: impact, urgency: urgency, title: "\(contact.name) reports \(unit?.serial ?? "an idea")",
            description: "Reported by \(contact.name) <\(contact.email)> for \(customer)")
        let label = "open a case for \(customer) by \(contact.email) on \(unit?.serial ?? "no unit") at \(at) as \(actor.user)"
        guard let number = judge(label, refusals, { () throws(DepotError) in try database.openCase(request, at: at, actor: actor) }) else {
            return
        }
        model.cases.append(FleetModel.Case(number: number, customer: customer, unit: unit?.serial, status: .open, lastEvent: at))
        if let unit, unit.status == .inService { model.update(unit.serial, at: at) { $0.status = .suspect } }
    }

    /// SPEC.md 3: a question or product defect needs a contract active on the opening day in the case's region (the
    /// unit's site's, else the customer's); a P1 a designated, certified contact under one.
    func contractRefusals(
        customer: String, contact: FleetModel.Contact, unit: FleetModel.Unit?, type: CaseType, impact: Level, urgency: Level, at: Instant
    ) -> [Refusal] {
        let region =
            unit.flatMap { $0.customer == customer ? $0.site : nil }.flatMap { model.sites[$0]?.region }
            ?? model.customerRegions[customer]
        let day = database.policy.day(of: at, region: region)
        let active = model.contracts[customer, default: []].contains { $0.start <= day && day <= $0.end }
        var refusals: [Refusal] = []
        if !active, type == .question || type == .productDefect {
            refusals.append(.rule("\(type.rawValue) needs an active contract; \(customer) has none on \(day)"))
        }
        if Priority.suggested(impact: impact, urgency: urgency) == .p1, !(contact.designated && contact.certified && active) {
            refusals.append(.rule("a P1 needs a designated, certified contact under an active contract"))
        }
        return refusals
    }

    func advanceCase(_ index: Int, _ action: CaseStateMachine.Action, contact: FleetModel.Contact, time: TimeSpec, who: Who) {
        let current = model.cases[index]
        let at = instant(time, last: current.lastEvent)
        var (actor, refusals) = pickActor(who, allowed: Self.engineer, wrong: Self.logistics)
        refusals += timeRefusals(at, last: current.lastEvent)
        var next = CaseStateMachine.next(from: current.status, by: action)
        if action == .respond && current.status == .waitingOnCustomer && current.responded { next = nil }
        if (action == .resume || action == .reopen) && next != nil {
            next = CaseStateMachine.resumed(responded: current.responded, workaround: current.workaround)
        }
        // SPEC.md 3: reopened only within the policy's 14 days of the resolution.
        if action == .reopen, let resolved = current.resolvedAt, at.secondsSinceEpoch - resolved.secondsSinceEpoch > 14 * 86_400 {
            refusals.append(.rule("\(current.number) was resolved more than 14 days ago"))
        }
        if next == nil { refusals.append(.rule("\(action.rawValue) is not allowed from \(current.status.rawValue)")) }
        if action == .close && contact.customer != current.customer {
            refusals.append(.rule("\(contact.email) is not a contact of \(current.customer)"))
        }
        // The note names a contact of the case's own customer: erasing another customer's contacts must leave it alone.
        let ownContact = model.contacts.first { $0.customer == current.customer }?.name ?? "the customer"
        let label =
            "\(action.rawValue) \(current.number) (\(current.status.rawValue))\(action == .close ? " confirmed by \(contact.email)" : "") at \(at) as \(actor.user)"
        let result: Void? = judge(label, refusals) { () throws(DepotError) in
            try database.advanceCase(
                current.number, action, confirmedBy: action == .close ? contact.email : nil,
                note: "waiting for logs from \(ownContact)", at: at, actor: actor)
        }
        guard result != nil, let next else { return }
        model.cases[index].status = next
        model.cases[index].lastEvent = at
        if action == .respond || action == .workaround { model.cases[index].responded = true }
        if action == .workaround { model.cases[index].workaround = true }
        if action == .close { model.attachments.removeAll { $0.caseIndex == index } }
        if action == .resolve { model.cases[index].resolvedAt = at }
        if action == .reopen || action == .close { model.cases[index].resolvedAt = nil }
    }

    func diagnose(_ index: Int, serial: String, verdict: Verdict, time: TimeSpec, who: Who) {
        let current = model.cases[index]
        guard let unit = model.unit(serial) else { return }
        let at = instant(time, last: current.lastEvent)
        var (actor, refusals) = pickActor(who, allowed: Self.engineer, wrong: Self.logistics)
        refusals += timeRefusals(at, last: current.lastEvent)
        if !current.status.isUnresolved { refusals.append(.rule("\(current.number) is \(current.status.rawValue)")) }
        if let caseUnit = current.unit, caseUnit != serial { refusals.append(.rule("\(current.number) is about \(caseUnit)")) }
        if unit.customer != current.customer { refusals.append(.rule("\(serial) is not at \(current.customer)")) }
        if !unit.status.isAtCustomer { refusals.append(.rule("\(serial) is \(unit.status.rawValue)")) }
        if let open = model.openRMA(ofUnit: serial) { refusals.append(.rule("\(serial) has the open RMA \(model.rmas[open].number)")) }
        let label = "diagnose \(serial) in \(current.number) as \(verdict.rawValue) at \(at) as \(actor.user)"
        guard
            let outcome = judge(
                label, refusals,
                { () throws(DepotError) in
                    try database.diagnose(
                        serial: Serial(serial)!, caseNumber: current.number, verdict: verdict, note: "checked by \(actor.user)", at: at,
                        actor: actor
                    )
                })
        else { return }
        model.cases[index].unit = serial
        model.cases[index].lastEvent = at
        switch verdict {
        case .notDefective: model.update(serial, at: at) { $0.status = .inService }
        case .needsMoreInfo: model.update(serial, at: at) { $0.status = .suspect }
        case .defective:
            model.update(serial, at: at) { $0.status = .defective }
            guard let number = outcome.rma, let path = outcome.path, let site = unit.site else {
                fail("decision", "a defective verdict on \(serial) started no RMA", fatal: true)
                return
            }
            if Self.premiumCustomers.contains(current.customer), at < Instant(iso: "2026-12-31T00:00:00Z") ?? at,
                path != .advanceReplacement
            {
                fail(
                    "rma-path", "\(number) of premium customer \(current.customer) took the path \(path.rawValue), not advance-replacement")
            }
            let state: RMAState =
                switch path {
                case .advanceReplacement: .approved
                case .returnThenReplace: .awaitingReturn
                case .salesReferral: .referred
                }
            model.rmas.append(
                FleetModel.RMA(
                    number: number, caseIndex: index, unit: serial, path: path, state: state, lastEvent: at,
                    customer: current.customer, site: site, region: model.sites[site]?.region ?? "", verdictAt: at))
        }
    }

    func attach(_ index: Int, secure: Bool, time: TimeSpec, who: Who) {
        let current = model.cases[index]
        let at = instant(time, last: current.lastEvent)
        var (actor, refusals) = pickActor(who, allowed: Self.engineer, wrong: Self.logistics)
        refusals += timeRefusals(at, last: current.lastEvent)
        if current.status == .closed { refusals.append(.rule("\(current.number) is closed")) }
        let label = "attach a\(secure ? " secure" : "") file to \(current.number) at \(at) as \(actor.user)"
        guard
            let attachment = judge(
                label, refusals,
                { () throws(DepotError) in
                    let upload = try database.beginUpload()
                    try upload.append(Array("log of step \(step)".utf8))
                    return try database.attach(
                        upload, to: current.number, name: "log-\(step).txt", mediaType: "text/plain", secure: secure, at: at, actor: actor)
                })
        else { return }
        model.cases[index].lastEvent = at
        // Retention counts from when the server received the file, whatever date the uploader gave.
        model.attachments.append(FleetModel.Attachment(id: attachment.id, caseIndex: index, secure: secure, uploadedAt: model.now))
    }

    func retention(advance: Int64) {
        model.now = max(model.now.adding(seconds: advance), model.latestEvent)
        clock.set(model.now)
        let at = model.now
        let cutoff = at.adding(seconds: -model.secureRetentionSeconds)
        let due = model.attachments.filter { $0.secure && $0.uploadedAt <= cutoff }
        guard
            let report = judge(
                "apply retention at \(at)", [], changes: !due.isEmpty,
                { () throws(DepotError) in try database.applyRetention(at: at, actor: Self.admin) })
        else { return }
        if report.secureExpired != due.count || report.closedCases != 0 {
            fail(
                "retention",
                "the retention run at \(at) deleted \(report.secureExpired) secure uploads and \(report.closedCases) of closed cases; "
                    + "the model expected \(due.count) and 0")
        }
        for attachment in due {
            model.cases[attachment.caseIndex].lastEvent = max(model.cases[attachment.caseIndex].lastEvent, at)
        }
        let dueIDs = Set(due.map(\.id))
        model.attachments.removeAll { dueIDs.contains($0.id) }
    }

    // MARK: - RMAs and returned units

    func rmaStep(_ index: Int, _ action: RMAAction, spare: String?, outcome: ReferralOutcome?, time: TimeSpec, who: Who) {
        let rma = model.rmas[index]
        let at = instant(time, last: rma.lastEvent)
        let (allowed, wrong): (ActingUser, ActingUser) =
            switch action {
            case .cancel: (Self.engineer, Self.accountManager)
            case .close where rma.path == .salesReferral: (Self.accountManager, Self.logistics)
            default: (Self.logistics, Self.engineer)
            }
        var (actor, refusals) = pickActor(who, allowed: allowed, wrong: wrong)
        refusals += timeRefusals(at, last: rma.lastEvent)
        let next = FleetModel.next(rma.path, rma.state, action)
        if next == nil {
            refusals.append(.rule("\(action.rawValue) is not allowed on a \(rma.path.rawValue) RMA in \(rma.state.rawValue)"))
        }
        if action == .cancel || action == .returnShip, model.unit(rma.unit)?.status == .returnInTransit {
            refusals.append(.rule("\(rma.unit) is on its way back: only its receipt is allowed"))
        }
        let candidates = action == .allocate ? model.candidates(for: rma, at: at) : []
        if action == .allocate {
            if let spare, !candidates.contains(spare) { refusals.append(.rule("\(spare) may not replace \(rma.unit)")) }
            if candidates.isEmpty { refusals.append(.rule("no spare for \(rma.unit)")) }
        }
        if action == .close {
            if rma.path == .salesReferral && outcome == nil { refusals.append(.rule("a referral closes with an outcome")) }
            if rma.path != .salesReferral && outcome != nil { refusals.append(.rule("only a referral has an outcome")) }
        }
        let label =
            "\(action.rawValue) \(rma.number) (\(rma.path.rawValue), \(rma.state.rawValue))\(spare.map { " with \($0)" } ?? "")"
            + "\(outcome.map { " as \($0.rawValue)" } ?? "") at \(at) as \(actor.user)"
        guard
            let result = judge(
                label, refusals,
                { () throws(DepotError) -> String? in
                    switch action {
                    case .allocate:
                        return try database.allocate(rma: rma.number, serial: spare.map { Serial($0)! }, at: at, actor: actor).text
                    case .ship: try database.ship(rma: rma.number, carrier: "UPS", tracking: "1Z\(step)", at: at, actor: actor)
                    case .deliver: try database.deliver(rma: rma.number, at: at, actor: actor)
                    case .returnShip: try database.returnShip(rma: rma.number, carrier: "DHL", tracking: "R\(step)", at: at, actor: actor)
                    case .receive: try database.receive(rma: rma.number, at: at, actor: actor)
                    case .close: try database.closeRMA(rma.number, outcome: outcome, at: at, actor: actor)
                    case .cancel: try database.cancelRMA(rma.number, reason: "customer withdrew", at: at, actor: actor)
                    }
                    return nil
                }), let next
        else { return }
        model.rmas[index].state = next
        model.rmas[index].lastEvent = at
        switch action {
        case .allocate:
            guard let picked = result, model.unit(picked) != nil else {
                fail("allocation", "allocate \(rma.number) named no known spare", fatal: true)
                return
            }
            if !candidates.contains(picked) {
                fail(
                    "allocation",
                    "allocate \(rma.number) picked \(picked), which may not replace \(rma.unit) (candidates: \(candidates.joined(separator: ", ")))"
                )
            }
            model.rmas[index].replacement = picked
            // A spare set aside for the customer's RMA is in that RMA's history (and export) even when it is cancelled
            // and goes to another customer later.
            model.update(picked, at: at) {
                $0.status = .allocated
                $0.everAt.insert(rma.customer)
            }
        case .ship:
            guard let replacement = rma.replacement else { return }
            model.update(replacement, at: at) {
                $0.status = .inTransit
                $0.customer = rma.customer
                $0.site = rma.site
                $0.depot = nil
                $0.replaces = rma.unit
                $0.everAt.insert(rma.customer)
            }
            model.update(rma.unit, at: at) { $0.replacedBy = replacement }
        case .deliver:
            if let replacement = rma.replacement { model.update(replacement, at: at) { $0.status = .inService } }
        case .returnShip:
            model.update(rma.unit, at: at) { $0.status = .returnInTransit }
        case .receive:
            model.update(rma.unit, at: at) {
                $0.status = .returned
                $0.customer = nil
                $0.site = nil
                $0.depot = nil
            }
        case .close:
            break
        case .cancel:
            if rma.state == .allocated, let replacement = rma.replacement {
                model.update(replacement, at: at) { $0.status = .inStock }
                model.rmas[index].replacement = nil
            }
        }
    }

    func refurbish(_ serial: String, depot: String, time: TimeSpec, who: Who) {
        guard let unit = model.unit(serial) else { return }
        let last = model.lastMove(of: serial)
        let at = instant(time, last: last)
        var (actor, refusals) = pickActor(who, allowed: Self.logistics, wrong: Self.engineer)
        refusals += timeRefusals(at, last: last)
        if unit.status != .returned { refusals.append(.rule("\(serial) is \(unit.status.rawValue)")) }
        if let open = model.openRMA(ofUnit: serial) {
            refusals.append(.rule("\(serial) is the unit of the open \(model.rmas[open].number)"))
        }
        let result: Void? = judge("refurbish \(serial) (\(unit.status.rawValue)) into \(depot) at \(at) as \(actor.user)", refusals) {
            () throws(DepotError) in
            try database.refurbish(serial: Serial(serial)!, depot: depot, at: at, actor: actor)
        }
        guard result != nil else { return }
        model.update(serial, at: at) {
            $0.status = .inStock
            $0.customer = nil
            $0.site = nil
            $0.depot = depot
        }
    }

    func scrap(_ serial: String, time: TimeSpec, who: Who) {
        guard let unit = model.unit(serial) else { return }
        let last = model.lastMove(of: serial)
        let at = instant(time, last: last)
        var (actor, refusals) = pickActor(who, allowed: Self.logistics, wrong: Self.engineer)
        refusals += timeRefusals(at, last: last)
        let open = model.openRMA(ofUnit: serial)
        if !(unit.status == .inStock || (unit.status == .returned && open == nil)) {
            refusals.append(.rule("\(serial) is \(unit.status.rawValue)\(open.map { " with the open \(model.rmas[$0].number)" } ?? "")"))
        }
        let result: Void? = judge("scrap \(serial) (\(unit.status.rawValue)) at \(at) as \(actor.user)", refusals) {
            () throws(DepotError) in
            try database.scrap(serial: Serial(serial)!, reason: "worn out", at: at, actor: actor)
        }
        guard result != nil else { return }
        model.update(serial, at: at) { $0.status = .scrapped }
    }

    // MARK: - Customer data

    func erase(_ customer: String, contact: FleetModel.Contact?) {
        let others = model.customers.filter { $0 != customer }
        let before = others.map { exportDigest($0) }
        var refusals: [Refusal] = []
        if let contact, contact.customer != customer { refusals.append(.rule("\(contact.email) is not a contact of \(customer)")) }
        let erased = model.contacts.indices.filter {
            model.contacts[$0].customer == customer && (contact == nil || model.contacts[$0].id == contact?.id)
        }
        let expected = erased.map { "erased-contact-\(model.contacts[$0].id)@erased.invalid" }
        let at = model.now
        let label = "erase the contacts of \(customer)\(contact.map { " (\($0.email))" } ?? "") at \(at)"
        guard
            let result = judge(
                label, refusals,
                { () throws(DepotError) in
                    try database.eraseContacts(of: customer, contact: contact?.email, at: at, actor: Self.admin)
                })
        else { return }
        if result.contacts != expected {
            fail("erasure", "erasing \(customer) gave the pseudonyms \(result.contacts); the model expected \(expected)")
        }
        for index in erased {
            model.contacts[index].email = "erased-contact-\(model.contacts[index].id)@erased.invalid"
            model.contacts[index].name = "Erased contact \(model.contacts[index].id)"
        }
        erasedThisStep.insert(customer)
        for (other, old) in zip(others, before) {
            let new = exportDigest(other)
            let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
            if !changed.isEmpty {
                fail("erasure", "erasing the contacts of \(customer) changed \(other)'s data: \(changed.joined(separator: ", "))")
            }
        }
    }
}
