import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// SPEC.md 9 on the web: the public survey page, answered once without signing in; leadership's `csat` page.
@Suite("The survey page and the csat page")
struct SurveyPageTests {
    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: body))
    }

    @Test("the link's page takes a score and a comment once, needs no sign-in nor script, refuses cross-site posts and reuse")
    func answerOnce() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        let number = try depot.closeCase("GLOBEX", "it@globex.example", at: TestServer.now.adding(seconds: -7200))
        let token = try depot.surveyToken(number)
        let server = try TestServer(depot: depot)
        try await server.run { client in
            let path = "/survey/\(token)"
            let form = try await client.execute(uri: path, method: .get)
            let page = String(buffer: form.body)
            #expect(form.status == .ok && page.contains(number.text) && page.contains("name=\"score\" value=\"5\""))
            #expect(!page.contains("href=\"/support\"") && !page.contains("name=\"csrf\""), "no sign-in, no session's form")
            #expect(form.headers[.cacheControl] == "no-store")
            // No score: the form again, what was typed kept, 400.
            let missing = try await Self.post(client, path, "comment=Fast+%3Cb%3Eservice%3C%2Fb%3E")
            let again = String(buffer: missing.body)
            #expect(missing.status == .badRequest && again.contains("id=\"problem\"") && again.contains("Fast &lt;b&gt;service&lt;/b&gt;"))
            #expect(try await Self.post(client, path, "score=7").status == .badRequest)
            // A post from another site is refused before anything is read.
            let crossSite = try await Self.post(client, path, "score=5", headers: [SurveyController.secFetchSite: "cross-site"])
            #expect(crossSite.status == .forbidden)
            let answered = try await Self.post(client, path, "score=2&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E+slow")
            #expect(answered.status == .seeOther && answered.headers[.location] == path)
            let thanks = try await client.execute(uri: path, method: .get)
            #expect(thanks.status == .ok && String(buffer: thanks.body).contains("Thank you"))
            #expect(!String(buffer: thanks.body).contains("name=\"score\""))
            let reused = try await Self.post(client, path, "score=5")
            #expect(reused.status == .conflict)

            // Leadership's page: the chart by month and region, the comment escaped.
            let manager = try await TestBrowser.signIn(client, as: .accountManager)
            let csat = try await manager.get(client, "/reports/csat?as-of=2026-11-23")
            let html = String(buffer: csat.body)
            #expect(csat.status == .ok && html.contains("id=\"csat-chart\"") && html.contains("<svg"))
            #expect(html.contains("2026-11 emea: average 2.00 from 1 of 1 invited (100.0%)"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; slow") && !html.contains("<script>alert(1)"))
            #expect(try await client.execute(uri: "/reports/csat", method: .get).status != .ok, "signed in only")
            let casePage = String(buffer: try await manager.get(client, "/cases/\(number.text)").body)
            #expect(casePage.contains("id=\"case-survey\">2 of 5 from it@globex.example"))
            #expect(casePage.contains("“&lt;script&gt;alert(1)&lt;/script&gt; slow”"))
            // An engineer who owns none of the cases: the header only; a name that is nobody's: refused.
            let csv = try await client.execute(
                uri: "/api/v1/reports/csat-responses?engineer=USER-SUPPORT-ENGINEER", method: .get, headers: server.auth(.admin))
            #expect(csv.status == .ok && String(buffer: csv.body).split(separator: "\n").count == 1)
            let typo = try await client.execute(
                uri: "/api/v1/reports/csat-responses?engineer=nobody", method: .get, headers: server.auth(.admin))
            #expect(typo.status == .badRequest && String(buffer: typo.body).contains("no such user"))
            typealias Log = RequestLogMiddleware<DepotRequestContext>
            #expect(Log.loggedPath(path) == "/survey/{token}" && Log.loggedPath("/" + path + "/x") == "//survey/{token}/x")
            #expect(Log.loggedPath("/SURVEY/abc") == "/SURVEY/{token}" && Log.loggedPath("/static/\(token)") == "/static/{token}")
            #expect(Log.loggedPath("/cases/CS-2026-000001") == "/cases/CS-2026-000001")
        }
        let rows = try depot.outside { db in try db.value(Int.self, "SELECT score FROM survey_invitation") }
        #expect(rows == 2)
        #expect(try depot.database.pendingNotifications().filter { $0.event == "survey-low-score" }.count == 1)
    }

    @Test("links that lead nowhere are 404; after 20 from one client on any server it waits (429), even for a real link")
    func guessing() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        let number = try depot.closeCase("ACME", "ops@acme.example", at: TestServer.now.adding(seconds: -7200))
        let token = try depot.surveyToken(number)
        _ = try TestServer(depot: depot)  // its users
        // Two servers of one database: the misses on one count on the other.
        let first = try buildApplication(database: depot.database, configuration: ServerConfiguration(), now: { depot.clock.now })
        let second = try buildApplication(database: depot.database, configuration: ServerConfiguration(), now: { depot.clock.now })
        try await first.test(.router) { client in
            for i in 0..<10 {
                let guess = String(repeating: "A", count: 41) + String(format: "%02d", i)
                let response =
                    i % 2 == 0
                    ? try await client.execute(uri: "/survey/\(guess)", method: .get)
                    : try await Self.post(client, "/survey/\(guess)", "score=5")
                #expect(response.status == .notFound)
            }
        }
        try await second.test(.router) { client in
            for i in 10..<20 {
                let response = try await client.execute(uri: "/survey/\(String(repeating: "B", count: 41))\(i)", method: .get)
                #expect(response.status == .notFound)
            }
            let limited = try await client.execute(uri: "/survey/\(token)", method: .get)
            let seconds = try #require(Int(limited.headers[.retryAfter] ?? ""))
            #expect(limited.status == .tooManyRequests && seconds > 0 && seconds <= 900)
            // A different kind of guess: signing in is not held up by survey links.
            #expect(try await TestBrowser.signIn(client, as: .admin).cookie.hasPrefix("depot_session="))
            depot.clock.advance(seconds: Int64(seconds))
            #expect(try await client.execute(uri: "/survey/\(token)", method: .get).status == .ok)
        }
        let locks = try depot.database.auditEntries(entity: "survey", key: nil, user: nil, limit: 10).map(\.action)
        #expect(locks == ["survey-link-locked"], "the lock is audited once")
    }

    @Test("forty links that lead nowhere at once: at most twenty are looked up, the rest wait")
    func concurrentGuessing() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        let app = try buildApplication(database: depot.database, configuration: ServerConfiguration(), now: { depot.clock.now })
        try await app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<40 {
                    group.addTask { try await client.execute(uri: "/survey/\(String(repeating: "C", count: 41))\(i)", method: .get).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .notFound }.count == 20 && statuses.filter { $0 == .tooManyRequests }.count == 20)
        }
        let locks = try depot.database.auditEntries(entity: "survey", key: nil, user: nil, limit: 10).map(\.action)
        #expect(locks == ["survey-link-locked"])
    }

    @Test("the chart: a bar per month and region as high as its average, titled with answers and rate; names escaped")
    func chart() {
        let groups = SatisfactionChart.groups([
            ["2026-11", "emea", "4", "3", "75.0", "4.33", "0"], ["2026-11", "a<b", "2", "0", "0.0", "", "0"],
            ["2026-12", "emea", "1", "1", "100.0", "1.00", "1"], ["unreadable"],
        ])
        #expect(groups.count == 3)
        let svg = SatisfactionChart.svg(groups)
        #expect(svg.components(separatedBy: "<rect").count - 1 == 2 + 3, "a legend mark per region, a bar per group")
        #expect(svg.contains("a&lt;b") && !svg.contains("a<b"))
        #expect(svg.contains("2026-11 emea: average 4.33 from 3 of 4 invited (75.0%)"))
        #expect(svg.contains("2026-11 a&lt;b: no answers of 2 invited (0.0%)"))
        // 150 px for a score of 5: 4.33 is 129 px, 1.00 is 30 px.
        #expect(svg.contains("height=\"129\"") && svg.contains("height=\"30\""))
    }
}
