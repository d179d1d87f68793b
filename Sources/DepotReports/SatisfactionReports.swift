import DepotCore
import DepotStore

/// The satisfaction survey's results for support leadership (SPEC.md 9): `csat` by month and region, and
/// `csat-responses` with every invitation, its score and comment. An invitation counts in its customer's region and
/// in the month of its sending there (as the sampling counts it); both are as of the end of the as-of day there (an answer after it is not yet in). Neither
/// names the contact (reports leave as files; the case's page names whom to call back).
extension ReportCatalog {
    static let csat = Report(
        name: "csat", title: "Customer satisfaction", audience: "support leadership",
        summary:
            "Survey invitations after closed cases by month and the customer's region: how many were sent and answered, the response rate in percent, the average score (1-5) and the low scores (1-2).",
        columns: ["month", "region", "invited", "answered", "response_rate", "average_score", "low_scores"],
        filters: [.customer, .region, .engineer, .since], defaultWithinDays: nil
    ) { context, writer in
        var groups: [String: SurveyTally] = [:]
        try eachInvitation(context) { invitation in
            groups["\(invitation.month)\t\(invitation.region)", default: SurveyTally()].add(score: invitation.score)
        }
        for key in groups.keys.sorted() {
            guard let tally = groups[key] else { continue }
            let parts = key.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try writer.row(
                parts + [
                    String(tally.invited), String(tally.answered), tally.responseRate ?? "", tally.averageScore ?? "", String(tally.low),
                ])
        }
    }

    static let csatResponses = Report(
        name: "csat-responses", title: "Survey responses", audience: "support leadership",
        summary:
            "Every survey invitation after a closed case, oldest first: the case (its page names the contact), its customer, the customer's region, the engineer, when it was sent, answered or expires, the score and the comment.",
        columns: ["case", "customer", "region", "engineer", "invited_at", "expires_at", "answered_at", "score", "comment"],
        filters: [.customer, .region, .engineer, .since], defaultWithinDays: nil
    ) { context, writer in
        try eachInvitation(context) { i in
            try writer.row([
                i.number, i.customer, i.region, i.engineer ?? "", i.invitedAt.description, i.expiresAt.description,
                i.answeredAt?.description ?? "", i.score.map(String.init) ?? "", i.comment ?? "",
            ])
        }
    }

    /// One invitation as the satisfaction reports read it.
    private struct Invitation {
        let number, customer, region: String
        let engineer: String?
        let invitedAt, expiresAt: Instant
        let answeredAt: Instant?
        let score: Int?
        let comment: String?
        let month: String
    }

    /// The invitations the report's filters select, sent by the end of the as-of day, in the order they were sent;
    /// an answer given after that day is left out.
    private static func eachInvitation(_ context: ReportContext, _ body: (Invitation) throws -> Void) throws {
        let p = context.parameters
        let filter = context.conditions(customer: "c.key", region: "c.region", engineer: "k.owner")
        let sql = """
            SELECT k.number, c.key, c.region, k.owner, s.invited_at, s.expires_at, s.answered_at, s.score, s.comment
            FROM survey_invitation s
            JOIN support_case k ON k.id = s.case_id
            JOIN customer c ON c.id = s.customer_id
            WHERE 1 = 1\(filter.sql)
            ORDER BY s.invited_at, k.number
            """
        try context.each(sql, filter.arguments) { row in
            let region = row.text(2) ?? ""
            let end = context.endOfDay(region: region)
            guard let invited = row.text(4).flatMap({ Instant(iso: $0) }), invited < end,
                let expires = row.text(5).flatMap({ Instant(iso: $0) })
            else { return }
            let day = context.day(of: invited, region: region)
            if let since = p.since, day < since { return }
            let answered = row.text(6).flatMap { Instant(iso: $0) }.flatMap { $0 < end ? $0 : nil }
            try body(
                Invitation(
                    number: row.text(0) ?? "", customer: row.text(1) ?? "", region: region,
                    engineer: row.text(3), invitedAt: invited, expiresAt: expires, answeredAt: answered,
                    score: answered == nil ? nil : Int(row.int(7)), comment: answered == nil ? nil : row.text(8),
                    month: String(day.description.prefix(7))))
        }
    }
}
