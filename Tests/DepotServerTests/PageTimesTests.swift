import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 9: one rule for times on pages: the record's zone with its name, and the viewer's own (sent by
/// the browser) beside it; a met response SLA shows no due time; the RMA's reason says its times' zone.
@Suite("Times on pages")
struct PageTimesTests {
    @Test("a viewer in Tokyo sees each New York time in Tokyo too; without a zone, only the record's")
    func viewerZone() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let number = try db.openCase(
            NewCase(customer: "ACME", contact: "ops@acme.example", type: .question, impact: .medium, urgency: .medium, title: "How?"),
            at: TestServer.now, actor: TestDepot.engineer)
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            // Opened 2026-11-23T15:00Z: 10:00 in New York, 00:00 the next day in Tokyo.
            let plain = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(plain.contains("<div><span>Opened</span>2026-11-23 10:00 (America/New_York)</div>"))
            let tokyo = try await client.execute(
                uri: "/cases/\(number)", method: .get, headers: [.cookie: engineer.cookie + "; depot_zone=Asia%2FTokyo"])
            #expect(
                String(buffer: tokyo.body).contains(
                    "<div><span>Opened</span>2026-11-23 10:00 (America/New_York; 2026-11-24 00:00 your time, Asia/Tokyo)</div>"))
            // A zone that is no IANA name is ignored.
            let junk = try await client.execute(
                uri: "/cases/\(number)", method: .get, headers: [.cookie: engineer.cookie + "; depot_zone=%3Cb%3E"])
            #expect(String(buffer: junk.body).contains("<div><span>Opened</span>2026-11-23 10:00 (America/New_York)</div>"))
            // The script that sends the zone is served from this site (the CSP allows nothing else).
            let script = try await client.execute(uri: "/static/depot.js", method: .get)
            #expect(String(buffer: script.body).contains("Intl.DateTimeFormat().resolvedOptions().timeZone"))

            // Responded in time: the SLA is met and the page stops showing a due time.
            _ = try await engineer.post(client, "/cases/\(number)/respond", [:])
            let met = String(buffer: try await engineer.get(client, "/cases/\(number)").body)
            #expect(met.contains("<div><span>Responded</span>2026-11-23 10:00 (America/New_York)</div>") && !met.contains("Response due"))
        }
    }

    @Test("an RMA's reason gives its times on the region's clock with the zone's name, and in UTC")
    func reasonZone() throws {
        let region = Policy.builtInDefault().regions.first { $0.id == "americas" }!
        #expect(region.wallClock(Instant(iso: "2026-11-24T22:00:00Z")!) == "2026-11-24 17:00 America/New_York (2026-11-24T22:00:00Z)")
        // Before midnight UTC, the day before in New York; in summer time, the offset is four hours.
        #expect(region.wallClock(Instant(iso: "2026-07-01T02:30:00Z")!) == "2026-06-30 22:30 America/New_York (2026-07-01T02:30:00Z)")
    }
}
