import Crypto
import DepotCore
import Foundation

extension DepotDatabase {
    /// SPEC.md 9: on closing a case, invites its confirming contact to the survey when the policy samples it,
    /// in the closure's transaction. Answers what happened, in words, for the closure's audit record.
    func inviteToSurvey(
        _ db: any SQLConnection, _ row: CaseRecord, contact: ContactRecord, closedAt: Instant, recordedAt: Instant
    ) throws -> String {
        // The month is the customer's, in its region's zone (a case's own region is its unit's site's, which may be
        // another): every closure of the customer counts in the same month, and the reports group by it too.
        let customerRegion = try db.value(String.self, "SELECT region FROM customer WHERE id = ?", [row.customerID]) ?? row.region
        let region = try policy.region(customerRegion)
        let day = region.localDate(of: closedAt)
        let monthStart = day.adding(days: 1 - day.components.day)
        let (from, until) = (region.startOfDay(monthStart), region.startOfDay(monthStart.adding(months: 1)))
        // This case is already marked closed: it counts itself.
        let ordinal =
            try db.value(
                Int.self, "SELECT count(*) FROM support_case WHERE customer_id = ? AND closed_at >= ? AND closed_at < ?",
                [row.customerID, from.description, until.description]) ?? 1
        let gap = Int64(policy.survey.contactGapDays) * 86_400
        let near = try db.values(
            Instant.self, "SELECT invited_at FROM survey_invitation WHERE contact_id = ? AND invited_at > ? AND invited_at < ?",
            [contact.id, closedAt.adding(seconds: -gap).description, closedAt.adding(seconds: gap).description])
        let decision = SurveySampling.decide(
            policy.survey, ordinal: ordinal, contactInvitations: near, closedAt: closedAt, recordedAt: recordedAt)
        guard case .invite(let expiresAt) = decision else {
            if case .skip(let why) = decision { return "not invited: " + why }
            return "not invited"
        }
        guard let key = surveyLinkKey() else { return "not invited: no key file to sign the link with (--key-file)" }
        let token = SurveyLinks.token(key: key, case: row.number.text, expiresAt: expiresAt)
        try db.execute(
            """
            INSERT INTO survey_invitation (case_id, customer_id, contact_id, token_hash, invited_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [row.id, row.customerID, contact.id, SurveyLinks.hash(token), closedAt.description, expiresAt.description])
        try Outbox.notify(
            db, .surveyInvitation, routes: policy.notifications, customerID: row.customerID, subject: row.number.text,
            payload: [
                "case": row.number.text, "title": row.title, "contact": contact.email, "contactName": contact.name,
                "expiresAt": expiresAt.description,
            ],
            key: "survey-invitation:\(row.number.text)", at: closedAt, queuedAt: recordedAt)
        return "\(contact.email) invited, the link expires \(expiresAt)"
    }
}

/// A case's survey as its detail shows it: whom it invited, until when, and the answer once given.
public struct CaseSurvey: Sendable, Encodable, Equatable {
    public let contact: String
    public let invitedAt: Instant
    public let expiresAt: Instant
    @NullEncodable public private(set) var answeredAt: Instant?
    @NullEncodable public private(set) var score: Int?
    @NullEncodable public private(set) var comment: String?
}

extension DepotDatabase {
    /// The survey of case `caseID`, `nil` when its closure invited nobody.
    static func caseSurvey(_ db: any SQLConnection, caseID: Int64) throws -> CaseSurvey? {
        let rows = try db.rows(
            """
            SELECT c.email, s.invited_at, s.expires_at, s.answered_at, s.score, s.comment
            FROM survey_invitation s JOIN contact c ON c.id = s.contact_id WHERE s.case_id = ?
            """, [caseID], source: "survey_invitation")
        guard let found = rows.first else { return nil }
        let row = found.stored("survey_invitation")
        return CaseSurvey(
            contact: try row("email"), invitedAt: try row("invited_at"), expiresAt: try row("expires_at"),
            answeredAt: try row.optional("answered_at"), score: try row.optional("score"), comment: try row.optional("comment"))
    }
}

extension DepotDatabase {
    /// How many survey links can still be answered at `at` (unanswered, not expired): they are signed with the
    /// installation's key, which a copy of the installation must keep.
    public func openSurveyLinks(at: Instant) throws(DepotError) -> Int {
        try read { db in
            try db.value(Int.self, "SELECT count(*) FROM survey_invitation WHERE answered_at IS NULL AND expires_at > ?", [at.description])
        } ?? 0
    }
}

/// What a survey link leads to.
public enum SurveyLinkState: Sendable, Equatable {
    /// No invitation has this token (mistyped, forged, or its case's invitation is gone).
    case unknown
    /// The invitation, open for an answer until `expiresAt`.
    case open(SurveyInvitationView)
    /// Answered already (at `answeredAt`): a link is used once.
    case answered(SurveyInvitationView)
    /// Expired unanswered.
    case expired(SurveyInvitationView)
}

/// What the survey page shows of an invitation: its case's number and title, never the customer's other data.
public struct SurveyInvitationView: Sendable, Equatable {
    public let caseNumber: String
    public let title: String
    public let expiresAt: Instant
    public let answeredAt: Instant?
}

extension DepotDatabase {
    /// The invitation a token is the link of, and whether it can still be answered at `now`.
    public func surveyLink(_ token: String, now: Instant) throws(DepotError) -> SurveyLinkState {
        guard SurveyLinks.isWellFormed(token), let key = surveyLinkKey() else { return .unknown }
        return try read { db in try Self.surveyLink(db, token: token, key: key, now: now).state }
    }

    /// The row a token finds and its state; the token must be the signature of the invitation it finds.
    fileprivate static func surveyLink(_ db: any SQLConnection, token: String, key: SymmetricKey, now: Instant) throws -> (
        state: SurveyLinkState, id: Int64?, customerID: Int64?, contact: String?
    ) {
        let found = try db.rows(
            """
            SELECT s.id, s.customer_id, s.expires_at, s.answered_at, k.number, k.title, c.email
            FROM survey_invitation s JOIN support_case k ON k.id = s.case_id JOIN contact c ON c.id = s.contact_id
            WHERE s.token_hash = ?
            """, [SurveyLinks.hash(token)], source: "survey_invitation"
        ).first
        guard let found else { return (.unknown, nil, nil, nil) }
        let row = found.stored("survey_invitation")
        let view = SurveyInvitationView(
            caseNumber: try row("number"), title: try row("title"), expiresAt: try row("expires_at"),
            answeredAt: try row.optional("answered_at"))
        guard SurveyLinks.equal(SurveyLinks.token(key: key, case: view.caseNumber, expiresAt: view.expiresAt), token) else {
            return (.unknown, nil, nil, nil)
        }
        let state: SurveyLinkState = view.answeredAt != nil ? .answered(view) : now >= view.expiresAt ? .expired(view) : .open(view)
        return (state, try row("id"), try row("customer_id"), try row("email"))
    }

    /// Records the answer of the survey a token is the link of, once, at the server's time `now`; a low score
    /// queues `survey-low-score` for leadership. Answers the link's state after it (`.answered` when recorded);
    /// a link that is unknown, expired or already answered is answered with its state and nothing changes. Two
    /// answers at once: one is recorded, the other finds it answered.
    public func answerSurvey(_ token: String, _ answer: SurveyAnswer, now: Instant) throws(DepotError) -> (
        state: SurveyLinkState, recorded: Bool
    ) {
        guard SurveyLinks.isWellFormed(token), let key = surveyLinkKey() else { return (.unknown, false) }
        let notifications = policy.notifications
        return try write { db in
            let link = try Self.surveyLink(db, token: token, key: key, now: now)
            guard case .open(let view) = link.state, let id = link.id else { return (link.state, false) }
            let changed = try db.execute(
                "UPDATE survey_invitation SET answered_at = ?, score = ?, comment = ? WHERE id = ? AND answered_at IS NULL",
                [now.description, answer.score, answer.comment, id])
            guard changed == 1 else { return (try Self.surveyLink(db, token: token, key: key, now: now).state, false) }
            // The contact answered through the public page, signed in as nobody: Depot records it, naming the contact.
            var details = ["score": String(answer.score), "contact": link.contact ?? "", "via": "survey link"]
            if let comment = answer.comment { details["comment"] = comment }
            try AuditLog.record(
                db, actor: .system, at: now, recordedAt: now, action: "answer-survey", entity: "case", key: view.caseNumber,
                customerID: link.customerID, details: details)
            if answer.isLow {
                try Outbox.notify(
                    db, .surveyLowScore, routes: notifications, customerID: link.customerID, subject: view.caseNumber,
                    payload: [
                        "case": view.caseNumber, "title": view.title, "contact": link.contact, "score": String(answer.score),
                        "comment": answer.comment,
                    ],
                    key: "survey-low-score:\(view.caseNumber)", at: now)
            }
            let answered = SurveyInvitationView(caseNumber: view.caseNumber, title: view.title, expiresAt: view.expiresAt, answeredAt: now)
            return (.answered(answered), true)
        }
    }
}
