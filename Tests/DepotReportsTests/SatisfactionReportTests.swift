import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import Testing

/// SPEC.md 9: leadership reads the survey's results by month and region, with every answer and its comment.
@Suite("Satisfaction reports")
struct SatisfactionReportTests {
    static let monday = Instant(iso: "2026-11-30T15:00:00Z")!
    static let asOf = LocalDate(iso: "2026-12-01")!

    @Test("csat: response rate, average score and low scores by month and region; csat-responses: each answer; by engineer")
    func reports() throws {
        let depot = try TestDepot.withFleet(now: Self.monday)
        let db = depot.database
        try db.addUser(name: "sam", role: .supportEngineer, passwordHash: "x", tokenHash: "sam", at: Self.monday, actor: TestDepot.admin)
        let numbers = try ["ACME", "GLOBEX", "INITECH"].map {
            try depot.closeCase($0, Fleet.contact(of: $0), at: Self.monday, owner: $0 == "ACME" ? "sam" : nil)
        }
        _ = try db.answerSurvey(try depot.surveyToken(numbers[0]), try SurveyAnswer(score: "5", comment: "Great, =1+1"), now: Self.monday)
        _ = try db.answerSurvey(try depot.surveyToken(numbers[1]), try SurveyAnswer(score: "2", comment: nil), now: Self.monday)
        #expect(
            try Self.csv(depot, "csat") == [
                "month,region,invited,answered,response_rate,average_score,low_scores",
                // Sydney's day was already 1 December.
                "2026-11,americas,1,1,100.0,5.00,0", "2026-11,emea,1,1,100.0,2.00,1", "2026-12,apac,1,0,0.0,,0",
            ])
        #expect(
            try Self.csv(depot, "csat", engineer: " SAM ") == [
                "month,region,invited,answered,response_rate,average_score,low_scores", "2026-11,americas,1,1,100.0,5.00,0",
            ])
        let responses = try Self.csv(depot, "csat-responses")
        #expect(responses.count == 4)
        #expect(responses[1].hasPrefix("\(numbers[0].text),ACME,americas,sam,2026-11-30T15:02:00Z,"))
        #expect(responses[1].hasSuffix(",5,Great, =1+1"), "the page's table shows the text; the CSV neutralises it")
        // As of the day before the invitations: none yet.
        #expect(try Self.csv(depot, "csat", asOf: LocalDate(iso: "2026-11-29")!).count == 1)
        // A filter the reports do not take is refused, named.
        #expect(throws: DepotError.self) {
            try ReportCatalog.named("warranty-expiry").parameters(
                asOf: Self.asOf, withinDays: nil, customer: nil, region: nil, accountManager: nil, since: nil, engineer: "sam",
                spelledWith: "--")
        }
    }

    static func csv(_ depot: TestDepot, _ name: String, engineer: String? = nil, asOf: LocalDate = asOf) throws -> [String] {
        let report = try ReportCatalog.named(name)
        let parameters = try report.parameters(
            asOf: asOf, withinDays: nil, customer: nil, region: nil, accountManager: nil, since: nil, engineer: engineer,
            spelledWith: "--")
        let table = try depot.database.table(report, parameters: parameters, limit: 1000)
        return [table.columns.joined(separator: ",")] + table.rows.map { $0.joined(separator: ",") }
    }
}
