import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// The edge defects of issue 13, each reproduced as it was found, and the rules that fixed them (SPEC.md 3, 4, 6).
@Suite("Fleet integrity at the edges")
struct FleetIntegrityTests {
    // Monday 2026-11-23, 10:00 in New York, 15:00 in London.
    let monday = instant("2026-11-23T15:00:00Z")

    func hardwareCase(_ depot: TestDepot, _ customer: String, _ contact: String, _ serial: Serial, at: Instant) throws -> CaseNumber {
        try depot.database.openCase(
            NewCase(
                customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: .medium, urgency: .medium,
                title: "Unit reboots"),
            at: at, actor: TestDepot.engineer)
    }

    func rmaOf(_ depot: TestDepot, _ customer: String, _ contact: String, _ serial: Serial, at: Instant) throws -> RMANumber {
        let number = try hardwareCase(depot, customer, contact, serial, at: at)
        let outcome = try depot.database.diagnose(
            serial: serial, caseNumber: number, verdict: .defective, note: "PSU dead", at: at.adding(seconds: 60),
            actor: TestDepot.engineer)
        return try #require(outcome.rma)
    }

    @Test(
        "return-then-replace: the returned unit is never its own replacement; refurbishing it while its RMA is open is refused, naming the RMA"
    )
    func neverItsOwnReplacement() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // GLOBEX is standard and GLOBEX-1 in warranty: return, then replace.
        let rma = try rmaOf(depot, "GLOBEX", "it@globex.example", "GLOBEX-1", at: monday)
        #expect(try db.rmaDetail(rma, now: monday).path == .returnThenReplace)
        try db.returnShip(rma: rma, carrier: "DHL", tracking: "BACK1", at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        try db.receive(rma: rma, at: monday.adding(seconds: 7200), actor: TestDepot.logistics)
        // Received at a depot: the unit has left the customer's site.
        let received = try db.unitDetail("GLOBEX-1")
        #expect(received.status == .returned && received.depot == "D-EU" && received.customer == nil && received.site == nil)
        let refusal = #expect(throws: DepotError.self) {
            try db.refurbish(serial: "GLOBEX-1", at: monday.adding(seconds: 8000), actor: TestDepot.logistics)
        }
        #expect(refusal?.message.contains(rma.text) == true)
        // Naming the unit itself as the spare is refused too (it is not in stock, and it is the RMA's own unit).
        #expect(throws: DepotError.self) {
            try db.allocate(rma: rma, serial: "GLOBEX-1", at: monday.adding(seconds: 8000), actor: TestDepot.logistics)
        }
        let spare = try db.allocate(rma: rma, at: monday.adding(seconds: 9000), actor: TestDepot.logistics)
        #expect(spare != "GLOBEX-1")
        try db.ship(rma: rma, carrier: "DHL", tracking: "OUT1", at: monday.adding(seconds: 10_000), actor: TestDepot.logistics)
        // The RMA kept its customer and site, so the replacement goes there and the label has the address.
        let detail = try db.rmaDetail(rma, now: monday)
        #expect(detail.customer == "GLOBEX" && detail.site == "GLOBEX-LON")
        let shipped = try db.unitDetail(spare)
        #expect(shipped.customer == "GLOBEX" && shipped.site == "GLOBEX-LON" && shipped.replaces == "GLOBEX-1")
        let label = try db.rmaLabel(rma, direction: .replacement)
        #expect(label.shipTo.lines.contains("1 Strand"))
        try db.deliver(rma: rma, at: monday.adding(seconds: 20_000), actor: TestDepot.logistics)
        try db.closeRMA(rma, at: monday.adding(seconds: 30_000), actor: TestDepot.logistics)
        // Now it may go back to stock; its lineage stays and it never points at itself.
        try db.refurbish(serial: "GLOBEX-1", at: monday.adding(seconds: 40_000), actor: TestDepot.logistics)
        let refurbished = try db.unitDetail("GLOBEX-1")
        #expect(refurbished.status == .inStock && refurbished.replacedBy == spare && refurbished.replaces != "GLOBEX-1")
        #expect(try FleetChecks.lineageLoops(db).isEmpty)
    }

    @Test("a spare in the defective unit's lineage is never allocated to it, not even when it is the only one in stock")
    func lineageIsNotAllocated() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // NOCON has no contract; NOCON-1 is in warranty: return-then-replace. Its replacement later fails too.
        let first = try rmaOf(depot, "NOCON", "it@nocon.example", "NOCON-1", at: monday)
        var t = monday.adding(seconds: 3600)
        func next() -> Instant { t = t.adding(seconds: 600); return t }
        try db.receive(rma: first, at: next(), actor: TestDepot.logistics)
        let replacement = try db.allocate(rma: first, serial: "SPARE-EU-1", at: next(), actor: TestDepot.logistics)
        try db.ship(rma: first, carrier: "UPS", tracking: "1", at: next(), actor: TestDepot.logistics)
        try db.deliver(rma: first, at: next(), actor: TestDepot.logistics)
        try db.closeRMA(first, at: next(), actor: TestDepot.logistics)
        try db.refurbish(serial: "NOCON-1", depot: "D-EU", at: next(), actor: TestDepot.logistics)
        // Scrap every other DX-100 and DX-200 spare: NOCON-1 is the only spare left.
        for serial: Serial in ["SPARE-US-1", "SPARE-EU-2"] { try db.scrap(serial: serial, at: next(), actor: TestDepot.logistics) }
        let second = try rmaOf(depot, "NOCON", "it@nocon.example", replacement, at: next())
        try db.receive(rma: second, at: t.adding(seconds: 600), actor: TestDepot.logistics)
        t = t.adding(seconds: 600)
        let refusal = #expect(throws: DepotError.self) { try db.allocate(rma: second, at: next(), actor: TestDepot.logistics) }
        #expect(refusal?.message.contains("no spare") == true)
        let named = #expect(throws: DepotError.self) {
            try db.allocate(rma: second, serial: "NOCON-1", at: next(), actor: TestDepot.logistics)
        }
        #expect(named?.message.contains("lineage") == true)
    }

    @Test(
        "cancelling is refused once the replacement has shipped; before that it puts the spare back and leaves a received unit at the depot"
    )
    func cancelUntilShipped() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        // ACME is premium-plus: advance replacement.
        let rma = try rmaOf(depot, "ACME", "dev@acme.example", "ACME-1", at: monday)
        let spare = try db.allocate(rma: rma, at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1Z", at: monday.adding(seconds: 7200), actor: TestDepot.logistics)
        let refusal = #expect(throws: DepotError.self) {
            try db.cancelRMA(rma, reason: "customer changed their mind", at: monday.adding(seconds: 8000), actor: TestDepot.logistics)
        }
        #expect(refusal?.message == "\(rma) is shipped: cannot cancel; allowed next: deliver")
        #expect(try db.unitDetail(spare).status == .inTransit)

        // Allocated, then cancelled: the spare is back in stock at its depot, the defective unit stays at the customer.
        let other = try rmaOf(depot, "INITECH", "it@initech.example", "INITECH-1", at: monday)
        let otherSpare = try db.allocate(rma: other, at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        try db.cancelRMA(
            other, reason: "unit recovered after a firmware update", at: monday.adding(seconds: 4000), actor: TestDepot.logistics)
        let back = try db.unitDetail(otherSpare)
        #expect(back.status == .inStock && back.depot != nil && back.customer == nil)
        #expect(try db.unitDetail("INITECH-1").status == .defective)

        // Return-then-replace received, then cancelled: the unit stays returned at the depot.
        let rtr = try rmaOf(depot, "GLOBEX", "it@globex.example", "GLOBEX-1", at: monday)
        try db.receive(rma: rtr, at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        try db.cancelRMA(rtr, reason: "sold instead", at: monday.adding(seconds: 4000), actor: TestDepot.logistics)
        let returned = try db.unitDetail("GLOBEX-1")
        #expect(returned.status == .returned && returned.depot == "D-EU")
        // A unit on its way back cannot be orphaned.
        let nocon = try rmaOf(depot, "NOCON", "it@nocon.example", "NOCON-1", at: monday)
        try db.returnShip(rma: nocon, carrier: "DHL", tracking: "B", at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        #expect(throws: DepotError.self) {
            try db.cancelRMA(nocon, reason: "no", at: monday.adding(seconds: 4000), actor: TestDepot.logistics)
        }
        #expect(try FleetChecks.strandedUnits(db).isEmpty)
    }

    @Test("every step is dated between the record's last event and now (plus five minutes)")
    func eventTimes() throws {
        let depot = try TestDepot.withFleet(now: instant("2026-11-30T12:00:00Z"))
        let db = depot.database
        let number = try hardwareCase(depot, "ACME", "dev@acme.example", "ACME-1", at: monday)
        // A diagnosis dated before its case was opened.
        let early = #expect(throws: DepotError.self) {
            try db.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "x", at: monday.adding(seconds: -60),
                actor: TestDepot.engineer)
        }
        #expect(early?.message.contains("is before \(number)'s last event") == true)
        let rma = try #require(
            try db.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU", at: monday.adding(seconds: 600),
                actor: TestDepot.engineer
            ).rma)
        try db.allocate(rma: rma, at: monday.adding(seconds: 1200), actor: TestDepot.logistics)
        // A step dated before the previous one.
        #expect(throws: DepotError.self) {
            try db.ship(rma: rma, carrier: "UPS", tracking: "1", at: monday.adding(seconds: 1000), actor: TestDepot.logistics)
        }
        // From the future: refused; within the allowed skew: fine.
        let future = #expect(throws: DepotError.self) {
            try db.ship(rma: rma, carrier: "UPS", tracking: "1", at: instant("2026-11-30T12:05:01Z"), actor: TestDepot.logistics)
        }
        #expect(future?.message.contains("is in the future") == true)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1", at: instant("2026-11-30T12:05:00Z"), actor: TestDepot.logistics)
        #expect(throws: DepotError.self) {
            try db.openCase(
                NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "Later"),
                at: instant("2029-01-01T00:00:00Z"), actor: TestDepot.engineer)
        }
        // A secure upload dated years ahead is refused; retention counts from when the file was received.
        let question = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low,
                title: "Dump"), at: monday, actor: TestDepot.engineer)
        let upload = try db.beginUpload(label: "dump.bin")
        try upload.append(Array("secret".utf8))
        #expect(throws: DepotError.self) {
            try db.attach(
                upload, to: question, name: "dump.bin", mediaType: nil, secure: true, at: instant("2030-01-01T00:00:00Z"),
                actor: TestDepot.engineer)
        }
        let kept = try db.beginUpload(label: "dump.bin")
        try kept.append(Array("secret".utf8))
        // Back-dated by a year: still kept 90 days from its arrival (2026-11-30), not from the date given.
        let attached = try db.attach(
            kept, to: question, name: "dump.bin", mediaType: nil, secure: true, at: monday, actor: TestDepot.engineer)
        depot.clock.set(instant("2027-02-27T12:00:00Z"))
        #expect(try db.applyRetention(at: instant("2027-02-27T11:59:00Z"), actor: TestDepot.admin).secureExpired == 0)
        depot.clock.set(instant("2027-03-01T12:00:00Z"))
        #expect(try db.applyRetention(at: instant("2027-03-01T12:00:00Z"), actor: TestDepot.admin).secureExpired == 1)
        #expect(throws: DepotError.self) { try db.attachment(attached.id) }
    }

    @Test("an upload committing while another case closes never loses its file (same content, many rounds, two threads)")
    func uploadsSurviveSweeps() async throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let keeper = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low,
                title: "Keeps files"), at: monday, actor: TestDepot.engineer)
        let content = Array("the same log every time\n".utf8)
        let rounds = 40
        async let closer: Void = Task.detached {
            for round in 0..<rounds {
                let number = try db.openCase(
                    NewCase(
                        customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low,
                        title: "Closes \(round)"), at: monday, actor: TestDepot.engineer)
                let upload = try db.beginUpload()
                try upload.append(content)
                _ = try db.attach(upload, to: number, name: "log.txt", mediaType: nil, secure: false, at: monday, actor: TestDepot.engineer)
                try db.advanceCase(
                    number, .close, confirmedBy: "dev@acme.example", at: monday.adding(seconds: 60), actor: TestDepot.engineer)
            }
        }.value
        async let uploader: Void = Task.detached {
            for _ in 0..<rounds {
                let upload = try db.beginUpload()
                try upload.append(content)
                _ = try db.attach(upload, to: keeper, name: "log.txt", mediaType: nil, secure: false, at: monday, actor: TestDepot.engineer)
            }
        }.value
        _ = try await (closer, uploader)
        let kept = try db.attachments(of: keeper)
        #expect(kept.count == rounds)
        for attachment in kept { #expect(throws: Never.self) { _ = try db.attachmentContent(attachment) } }
    }

    @Test("small things: an unknown product version, an endless title, a one-line field with a line break are refused with what is wrong")
    func smallThings() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let banana = #expect(throws: DepotError.self) {
            try db.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .productDefect, impact: .low, urgency: .low,
                    title: "Crash", softwareVersion: "banana"), at: monday, actor: TestDepot.engineer)
        }
        #expect(banana?.message == "banana: is not a known release (known: 5.0, 5.1)")
        #expect(
            try db.caseDetail(
                try db.openCase(
                    NewCase(
                        customer: "ACME", contact: "dev@acme.example", type: .productDefect, impact: .low,
                        urgency: .low, title: "Crash", softwareVersion: "5.1"), at: monday,
                    actor: TestDepot.engineer), now: monday
            ).softwareVersion == "5.1")
        let long = #expect(throws: DepotError.self) {
            try db.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low,
                    title: String(repeating: "x", count: 120_000)), at: monday, actor: TestDepot.engineer)
        }
        #expect(long?.message.contains("is 120000 characters long; at most 200 are allowed") == true)
        let rma = try rmaOf(depot, "ACME", "dev@acme.example", "ACME-1", at: monday)
        try db.allocate(rma: rma, at: monday.adding(seconds: 3600), actor: TestDepot.logistics)
        #expect(throws: DepotError.self) {
            try db.ship(rma: rma, carrier: "UPS\nINJECTED", tracking: "1", at: monday.adding(seconds: 7200), actor: TestDepot.logistics)
        }
        // A refused upload names its file.
        let upload = try db.beginUpload(label: "empty.log")
        let empty = #expect(throws: DepotError.self) {
            try db.attach(
                upload, to: try db.rmaDetail(rma, now: monday).caseNumber, name: "empty.log", mediaType: nil,
                secure: false, at: monday.adding(seconds: 7200), actor: TestDepot.engineer)
        }
        #expect(empty?.message == #"file "empty.log": is empty: there is nothing to attach"#)
    }
}

/// Found by an adversarial review after the first fixes.
@Suite("Fleet integrity: the review's findings")
struct FleetReviewTests {
    let monday = instant("2026-11-23T15:00:00Z")

    @Test("a spare is not allocated at a time it was still reserved by a cancelled RMA")
    func unitHistoryOrder() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        func rma(_ customer: String, _ contact: String, _ serial: Serial) throws -> RMANumber {
            let number = try db.openCase(
                NewCase(
                    customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: .medium,
                    urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
            return try #require(
                try db.diagnose(
                    serial: serial, caseNumber: number, verdict: .defective, note: "x", at: monday.adding(seconds: 60),
                    actor: TestDepot.engineer
                ).rma)
        }
        // ACME-1 is a DX-100 and may take SPARE-EU-2, a DX-200 (its successor); INITECH-1 is a DX-200.
        let first = try rma("ACME", "dev@acme.example", "ACME-1")
        try db.allocate(rma: first, serial: "SPARE-EU-2", at: instant("2026-11-24T10:00:00Z"), actor: TestDepot.logistics)
        try db.cancelRMA(first, reason: "recovered", at: instant("2026-11-25T10:00:00Z"), actor: TestDepot.logistics)
        let second = try rma("INITECH", "it@initech.example", "INITECH-1")
        let early = #expect(throws: DepotError.self) {
            try db.allocate(rma: second, serial: "SPARE-EU-2", at: instant("2026-11-24T12:00:00Z"), actor: TestDepot.logistics)
        }
        #expect(early?.message.contains("SPARE-EU-2's last move") == true)
        try db.allocate(rma: second, serial: "SPARE-EU-2", at: instant("2026-11-25T12:00:00Z"), actor: TestDepot.logistics)

    }

    @Test("return-then-replace: once the unit is on its way back, only its receipt is allowed (no second shipment, no cancel)")
    func onItsWayBack() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let number = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-1",
                impact: .medium, urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(
                serial: "GLOBEX-1", caseNumber: number, verdict: .defective, note: "x", at: monday,
                actor: TestDepot.engineer
            ).rma)
        #expect(try db.rmaDetail(rma, now: monday).allowedNext == [.returnShip, .receive, .cancel])
        try db.returnShip(rma: rma, carrier: "DHL", tracking: "FIRST", at: monday.adding(seconds: 60), actor: TestDepot.logistics)
        #expect(try db.rmaDetail(rma, now: monday).allowedNext == [.receive])
        #expect(
            throws: DepotError.illegalTransition(subject: rma.text, state: "awaiting-return", action: "return-ship", allowed: ["receive"])
        ) {
            try db.returnShip(rma: rma, carrier: "UPS", tracking: "SECOND", at: monday.adding(seconds: 120), actor: TestDepot.logistics)
        }
        #expect(try db.rmaDetail(rma, now: monday).returnTracking == "FIRST")
    }

    @Test("a case cannot predate its unit's shipment")
    func caseBeforeShipment() throws {
        let depot = try TestDepot.withFleet()
        let refusal = #expect(throws: DepotError.self) {
            try depot.database.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium,
                    urgency: .medium, title: "Dead"), at: instant("2026-02-27T15:00:00Z"), actor: TestDepot.engineer)
        }
        #expect(refusal?.message.contains("is before unit ACME-1 shipped (2026-03-01)") == true)
    }

    @Test("imports cannot hand a contact or a contract to another customer, nor move a delivered replacement of an open RMA")
    func importsKeepOwners() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        #expect(throws: DepotError.self) {
            try depot.importAll([(.contacts, "email,customer,name,designated,certified\nIT@globex.example,ACME,Someone,no,no\n")])
        }
        #expect(throws: DepotError.self) {
            try depot.importAll([
                (.contracts, "contract,customer,tier,start_date,end_date,max_contacts\nC-GLOBEX,ACME,premium,2026-01-01,2026-12-31,2\n")
            ])
        }
        #expect(try db.customerDetail("GLOBEX", at: monday).contacts.map(\.email) == ["it@globex.example"])
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium,
                urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer).rma
        )
        let spare = try db.allocate(rma: rma, at: monday.adding(seconds: 60), actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1", at: monday.adding(seconds: 120), actor: TestDepot.logistics)
        try db.deliver(rma: rma, at: monday.adding(seconds: 180), actor: TestDepot.logistics)
        let moved = #expect(throws: DepotError.self) {
            try depot.importAll([(.appliances, "serial,customer,site\n\(spare),GLOBEX,GLOBEX-LON\n")])
        }
        #expect(moved?.message.contains("belongs to the open \(rma)") == true)
        #expect(try db.unitDetail(spare).customer == "ACME")
    }

    @Test(
        "erasure leaves the customer's addresses and the non-text fields of payloads alone: a contact named like a site, a serial or the account manager"
    )
    func erasureKeepsValuesThatAreNotTheContact() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        try depot.importAll([
            (
                .contacts,
                "email,customer,name,designated,certified\nnamesake@acme.example,ACME,ACME-1,no,no\nboss@acme.example,ACME,Alice Manager,no,no\n"
            )
        ])
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "namesake@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium,
                urgency: .medium, title: "ACME-1 reports"), at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(serial: "ACME-1", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer)
        let payloads = { try db.read { db in try db.values(String.self, "SELECT payload FROM notification ORDER BY id") } }
        let before = try payloads()
        #expect(before.contains { $0.contains("\"serial\":\"ACME-1\"") && $0.contains("\"accountManager\":\"Alice Manager\"") })
        _ = try db.eraseContacts(of: "ACME", contact: nil, at: monday, actor: TestDepot.admin)
        #expect(try payloads() == before)
        #expect(try db.customerDetail("ACME", at: monday).sites.map(\.address) == ["1 Broadway, New York"])
        #expect(try db.caseDetail(number, now: monday).title.hasPrefix("Erased contact"))
    }
}

/// Direct checks of two invariants (SPEC.md 10) used by the tests above; the model-based test checks them all.
enum FleetChecks {
    /// Units whose lineage (either pointer, followed up to 100 steps) comes back to themselves.
    static func lineageLoops(_ database: DepotDatabase) throws -> [String] {
        try database.read { db in
            try db.values(
                String.self,
                """
                WITH RECURSIVE walk(start, id, depth) AS (
                    SELECT id, replaced_by_id, 1 FROM appliance WHERE replaced_by_id IS NOT NULL
                    UNION ALL SELECT w.start, a.replaced_by_id, w.depth + 1 FROM walk w JOIN appliance a ON a.id = w.id
                    WHERE a.replaced_by_id IS NOT NULL AND w.depth < 100 AND w.id <> w.start)
                SELECT DISTINCT a.serial FROM walk w JOIN appliance a ON a.id = w.start WHERE w.id = w.start
                """)
        }
    }

    /// Units allocated or in transit with no open RMA holding them.
    static func strandedUnits(_ database: DepotDatabase) throws -> [String] {
        try database.read { db in
            try db.values(
                String.self,
                """
                SELECT serial FROM appliance a WHERE a.status IN ('allocated', 'in-transit')
                  AND NOT EXISTS (SELECT 1 FROM rma r WHERE r.replacement_id = a.id AND r.state NOT IN ('closed', 'cancelled'))
                """)
        }
    }
}
