import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// SPEC.md 9: after a case closes its confirming contact is invited, as the policy samples, to a survey answered once
/// through a one-time link that expires; low scores notify leadership; leadership reads the results in `csat`.
@Suite("The satisfaction survey")
struct SurveyTests {
    static let monday = instant("2026-11-30T15:00:00Z")

    @Test("a closed case's contact is invited, answers once; a reused link is refused, an expired one too")
    func invitedAndAnsweredOnce() throws {
        let depot = try TestDepot.withFleet(now: Self.monday)
        let db = depot.database
        let number = try depot.closeCase("GLOBEX", "it@globex.example", at: Self.monday)
        #expect(try db.pendingNotifications().map { "\($0.event) \($0.target)" } == ["survey-invitation contacts"])
        let token = try depot.surveyToken(number)
        guard case .open(let view) = try db.surveyLink(token, now: Self.monday) else {
            Issue.record("the link is not open")
            return
        }
        #expect(view.caseNumber == number.text && view.expiresAt == Self.monday.adding(seconds: 120 + 14 * 86_400))
        let audit = try db.auditEntries(entity: "case", key: number.text, user: nil, limit: 10)
        #expect(audit.first { $0.action == "close" }?.details.contains("it@globex.example invited") == true)

        depot.clock.advance(seconds: 3600)
        let answer = try SurveyAnswer(score: "4", comment: "  Quick and friendly.  ")
        let first = try db.answerSurvey(token, answer, now: depot.clock.now)
        #expect(first.recorded)
        // Used once: a second answer, even a different one, changes nothing.
        let again = try db.answerSurvey(token, try SurveyAnswer(score: "1", comment: nil), now: depot.clock.now)
        guard case .answered(let answered) = again.state, !again.recorded else {
            Issue.record("a reused link was not refused: \(again)")
            return
        }
        #expect(answered.answeredAt == Self.monday.adding(seconds: 3600))
        #expect(try db.pendingNotifications().filter { $0.event == "survey-low-score" }.isEmpty, "a 4 is not low")
        let rows = try depot.outside { db in
            try db.rows("SELECT score, comment FROM survey_invitation", [], source: "survey_invitation").map {
                "\(try $0("score") as Int) \(try $0("comment") as String)"
            }
        }
        #expect(rows == ["4 Quick and friendly."])
        let shown = try #require(try db.caseDetail(number, now: depot.clock.now).survey)
        #expect(shown.contact == "it@globex.example" && shown.score == 4 && shown.comment == "Quick and friendly.")
        #expect(shown.answeredAt == Self.monday.adding(seconds: 3600) && shown.invitedAt == Self.monday.adding(seconds: 120))

        // Another case, its link left to expire: refused after its 14 days, answered or not.
        let late = try depot.closeCase("INITECH", "it@initech.example", at: Self.monday)
        let lateToken = try depot.surveyToken(late)
        let expiry = depot.clock.now.adding(seconds: 14 * 86_400)
        guard case .open = try db.surveyLink(lateToken, now: expiry.adding(seconds: -1)) else {
            Issue.record("open until its expiry")
            return
        }
        guard case .expired = try db.answerSurvey(lateToken, answer, now: expiry).state else {
            Issue.record("an expired link was not refused")
            return
        }
        #expect(try db.invariantViolations() == [])
        // The invariant sees an answer dated after its link expired (a database changed by hand).
        _ = try depot.outside { db in
            try db.execute("UPDATE survey_invitation SET answered_at = '2099-01-01T00:00:00Z' WHERE answered_at IS NOT NULL")
        }
        #expect(try db.invariantViolations().map { $0.hasPrefix("the survey of \(number.text)") } == [true])
    }

    @Test("a guessed link, or one moved to another case's invitation, leads nowhere")
    func forgedLinks() throws {
        let depot = try TestDepot.withFleet(now: Self.monday)
        let db = depot.database
        let acme = try depot.closeCase("ACME", "ops@acme.example", at: Self.monday)
        let globex = try depot.closeCase("GLOBEX", "it@globex.example", at: Self.monday)
        let acmeToken = try depot.surveyToken(acme)
        let answer = try SurveyAnswer(score: "5", comment: nil)
        for guess in [
            String(repeating: "A", count: 43), String(acmeToken.dropLast()) + (acmeToken.hasSuffix("A") ? "B" : "A"), "short", "",
        ] {
            #expect(try db.surveyLink(guess, now: Self.monday) == .unknown)
            #expect(try db.answerSurvey(guess, answer, now: Self.monday).state == .unknown)
        }
        // Someone who can write the database gives GLOBEX's invitation the hash of ACME's link: the link is still
        // ACME's case's signature, so it opens neither.
        let hash = try depot.outside { db in
            try db.value(
                String.self, "SELECT token_hash FROM survey_invitation s JOIN support_case k ON k.id = s.case_id WHERE k.number = ?",
                [acme.text])
        }
        _ = try depot.outside { db in
            try db.execute("UPDATE survey_invitation SET token_hash = 'x' WHERE token_hash = ?", [hash])
            return try db.execute(
                "UPDATE survey_invitation SET token_hash = ? WHERE case_id = (SELECT id FROM support_case WHERE number = ?)",
                [hash, globex.text])
        }
        #expect(try db.surveyLink(acmeToken, now: Self.monday) == .unknown)
        #expect(try db.answerSurvey(acmeToken, answer, now: Self.monday).state == .unknown)
        #expect(
            try depot.outside { db in try db.value(Int.self, "SELECT count(*) FROM survey_invitation WHERE answered_at IS NOT NULL") } == 0)
    }

    @Test("a low score tells leadership; the answer is audited for its customer only and erased with its contact")
    func lowScore() throws {
        let depot = try TestDepot.withFleet(now: Self.monday)
        let db = depot.database
        let number = try depot.closeCase("GLOBEX", "it@globex.example", at: Self.monday)
        _ = try depot.closeCase("ACME", "ops@acme.example", at: Self.monday)
        let token = try depot.surveyToken(number)
        let acmeBefore = try depot.outside { db in
            try db.rows("SELECT * FROM survey_invitation WHERE customer_id = (SELECT id FROM customer WHERE key = 'ACME')", [], source: "s")
                .map { "\(try $0("token_hash") as String) \(try $0.optional("answered_at") as String?)" }
        }
        _ = try db.answerSurvey(
            token, try SurveyAnswer(score: "2", comment: "Ivan IT waited three days."), now: Self.monday.adding(seconds: 600))
        let low = try db.pendingNotifications().filter { $0.event == "survey-low-score" }
        #expect(low.map { "\($0.target) \($0.subject)" } == ["leadership \(number.text)"])
        let entry = try #require(
            try db.auditEntries(entity: "case", key: number.text, user: nil, limit: 10).first { $0.action == "answer-survey" })
        #expect(entry.details.contains("\"score\":\"2\"") && entry.details.contains("\"contact\":\"it@globex.example\""))
        let audited = try depot.outside { db in
            try db.values(String.self, "SELECT c.key FROM audit a JOIN customer c ON c.id = a.customer_id WHERE a.action = 'answer-survey'")
        }
        #expect(audited == ["GLOBEX"])
        let acmeAfter = try depot.outside { db in
            try db.rows("SELECT * FROM survey_invitation WHERE customer_id = (SELECT id FROM customer WHERE key = 'ACME')", [], source: "s")
                .map { "\(try $0("token_hash") as String) \(try $0.optional("answered_at") as String?)" }
        }
        #expect(acmeAfter == acmeBefore && acmeAfter.count == 1)
        // Each customer's export has its own survey, never the other's.
        for customer in ["GLOBEX", "ACME"] {
            let export = try db.exportCustomer(
                customer, to: depot.folder.path + "/\(customer).zip", at: Self.monday.adding(seconds: 700), actor: TestDepot.admin)
            #expect(export.files.first { $0.path == "surveys.json" }?.rows == 1, "\(customer)")
        }

        // Erasure: the comment keeps its text, the contact's name in it becomes the pseudonym, the score stays.
        _ = try db.eraseContacts(of: "GLOBEX", contact: nil, at: Self.monday.adding(seconds: 900), actor: TestDepot.admin)
        let comment = try depot.outside { db in
            try db.value(String.self, "SELECT comment FROM survey_invitation WHERE score = 2")
        }
        #expect(comment?.hasPrefix("Erased contact ") == true && comment?.hasSuffix(" waited three days.") == true)
        let payloads = try db.notifications(limit: 100).filter { $0.customer == "GLOBEX" }.map(\.payload).joined()
        #expect(!payloads.contains("it@globex.example") && !payloads.contains("Ivan IT"))
    }

    @Test("one closed case in N per customer and month, by the month in the customer's region; never a contact twice within the gap")
    func sampling() throws {
        var policy = Policy.builtInDefault()
        policy.survey = SurveyPolicy(every: 2, contactGapDays: 0, expiryDays: 7, linkBase: "https://depot.example.com")
        let depot = try TestDepot.withFleet(policy: policy, now: instant("2026-12-05T00:00:00Z"))
        // New York: 2026-12-01T03:00Z is still 30 November.
        let november1 = try depot.closeCase("ACME", "ops@acme.example", at: instant("2026-11-30T15:00:00Z"))
        let november2 = try depot.closeCase("ACME", "dev@acme.example", at: instant("2026-12-01T02:00:00Z"))
        let december1 = try depot.closeCase("ACME", "dev@acme.example", at: instant("2026-12-01T15:00:00Z"))
        // Another customer's closures count for it alone.
        let globex = try depot.closeCase("GLOBEX", "it@globex.example", at: instant("2026-12-01T16:00:00Z"))
        let invited = Set(try depot.database.pendingNotifications().filter { $0.event == "survey-invitation" }.map(\.subject))
        #expect(invited == [november1.text, december1.text, globex.text])
        let skipped = try depot.database.auditEntries(entity: "case", key: november2.text, user: nil, limit: 10)
        #expect(skipped.first { $0.action == "close" }?.details.contains("one in 2") == true)
        // The month is the customer's even for a case of a unit at a site in another region: GLOBEX (London) has a
        // unit in Sydney, where 14:00 UTC on 30 November is already 1 December.
        try depot.importAll([
            (.sites, "site,customer,name,country,region,address\nGLOBEX-SYD,GLOBEX,Sydney,AU,apac,1 George St\n"),
            (
                .appliances,
                "serial,model,customer,site,depot,ship_date,software_version,status\nGLOBEX-SYD-1,DX-100,GLOBEX,GLOBEX-SYD,,2026-06-01,5.1,\n"
            ),
        ])
        let first = try depot.closeCase("GLOBEX", "it@globex.example", at: instant("2026-11-30T10:00:00Z"))
        let sydney = try depot.database.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: try Serial.named("GLOBEX-SYD-1"),
                impact: .low, urgency: .low, title: "Fan noise"),
            at: instant("2026-11-30T13:00:00Z"), actor: TestDepot.engineer)
        try depot.database.advanceCase(sydney, .resolve, at: instant("2026-11-30T13:30:00Z"), actor: TestDepot.engineer)
        try depot.database.advanceCase(
            sydney, .close, confirmedBy: "it@globex.example", at: instant("2026-11-30T14:00:00Z"), actor: TestDepot.engineer)
        let third = try depot.closeCase("GLOBEX", "it@globex.example", at: instant("2026-11-30T15:30:00Z"))
        let globexInvited = Set(try depot.database.pendingNotifications().filter { $0.event == "survey-invitation" }.map(\.subject))
        #expect(globexInvited.isSuperset(of: [first.text, third.text]) && !globexInvited.contains(sydney.text))
        // The whole link when the policy names the address.
        let n = try #require(
            try depot.database.notifications(limit: 100).first { $0.subject == december1.text && $0.event == "survey-invitation" })
        #expect(try depot.database.deliveredPayload(n)?.contains("\"surveyLink\":\"https://depot.example.com/survey/") == true)
        // Not sent once its link expired (7 days here).
        #expect(try depot.database.deliveredPayload(n, now: n.createdAt.adding(seconds: 7 * 86_400)) == nil)
        #expect(try depot.database.deliveredPayload(n, now: n.createdAt.adding(seconds: 7 * 86_400 - 1)) != nil)
        // Closed four days back, queued now: its delivery gives up counting from now, not from the closure.
        #expect(n.createdAt == instant("2026-12-05T00:00:00Z") && n.payload.contains("\"at\":\"2026-12-01T15:02:00Z\""))

        // The default: every closed case, but a contact not again within 30 days, even by a closure dated earlier.
        let every = try TestDepot.withFleet(now: instant("2027-01-05T00:00:00Z"))
        let a = try every.closeCase("GLOBEX", "it@globex.example", at: instant("2026-11-30T10:00:00Z"))
        let b = try every.closeCase("GLOBEX", "it@globex.example", at: instant("2026-11-20T10:00:00Z"))
        let c = try every.closeCase("GLOBEX", "it@globex.example", at: instant("2026-12-30T10:00:01Z"))
        let asked = Set(try every.database.pendingNotifications().filter { $0.event == "survey-invitation" }.map(\.subject))
        #expect(asked == [a.text, c.text] && !asked.contains(b.text))
    }
}
