import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotNotify

/// SPEC.md 9 at the webhook: a survey invitation leaves with its one-time link, made at delivery from the key; one
/// whose link expired before it could leave is not sent.
@Suite("Survey invitations at the webhook", .serialized)
struct SurveyDeliveryTests {
    @Test("the contacts' gateway gets the link's path; an invitation whose link expired meanwhile is dead, not sent")
    func delivered() async throws {
        let receiver = Receiver()
        try await Application(router: receiver.router()).test(.live) { client in
            var policy = Policy.builtInDefault()
            policy.survey.expiryDays = 1
            // Three days ago: that closure's link expired two days ago; today's is good for a day.
            let now = Instant(Date())
            let depot = try TestDepot.withFleet(policy: policy, now: now.adding(seconds: -3 * 86_400))
            _ = try depot.database.addEndpoint(
                target: .contacts, url: "http://127.0.0.1:\(try #require(client.port))/hook", secret: "whsec_survey_test", customer: nil,
                format: .json, at: now, actor: TestDepot.admin)
            let old = try depot.closeCase("GLOBEX", "it@globex.example", at: now.adding(seconds: -3 * 86_400 - 600))
            depot.clock.set(now)
            let fresh = try depot.closeCase("ACME", "ops@acme.example", at: now.adding(seconds: -600))
            let deliverer = WebhookDeliverer(database: depot.database, policy: DeliveryPolicy())
            #expect(try await deliverer.deliverDue() == DeliveryReport(delivered: 1, dead: 1))
            let bodies = receiver.all.map { (try? JSONSerialization.jsonObject(with: $0.body)) as? [String: Any] ?? [:] }
            #expect(bodies.count == 1 && bodies.first?["subject"] as? String == fresh.text)
            let path = try #require(bodies.first?["surveyPath"] as? String)
            #expect(path == "/survey/" + (try depot.surveyToken(fresh)))
            let dead = try #require(try depot.database.notifications().first { $0.subject == old.text && $0.event == "survey-invitation" })
            #expect(dead.state == "dead" && dead.lastError == "the survey link expired before it could be sent")
        }
    }
}
