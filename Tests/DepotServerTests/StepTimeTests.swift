import DepotCore
import Foundation
import Testing

@testable import DepotServer

/// The date and time a delivery or receipt form sends, read in the RMA region's zone.
@Suite("Step times from forms")
struct StepTimeTests {
    static let region = Policy.builtInDefault().regions.first { $0.id == "americas" }!

    @Test("the minute the form was filled with means now to the second; another minute is that minute; the future is refused")
    func stepTime() throws {
        let now = Instant(iso: "2026-11-23T15:00:42Z")!
        // 10:00 in New York is 15:00 UTC: the current minute, as the form pre-fills it.
        #expect(try RMAPagesController.time("2026-11-23T10:00", region: Self.region, now: now) == now)
        #expect(try RMAPagesController.time("2026-11-23T09:59", region: Self.region, now: now) == Instant(iso: "2026-11-23T14:59:00Z")!)
        #expect(try RMAPagesController.time(nil, region: Self.region, now: now) == now)
        #expect(throws: APIError.self) { try RMAPagesController.time("2026-11-23T10:05", region: Self.region, now: now) }
        #expect(throws: APIError.self) { try RMAPagesController.time("2026-11-23 10:00", region: Self.region, now: now) }
    }

    @Test("the hour repeated when clocks go back shows its UTC offset, so that events in it read in order")
    func repeatedHour() {
        let zone = TimeZone(identifier: "America/New_York")!
        // 2026-11-01: 01:00-02:00 happens twice in New York (EDT, then EST).
        #expect(PageTimes.local(Instant(iso: "2026-11-01T05:30:00Z")!, zone: zone) == "2026-11-01 01:30 (America/New_York, UTC-04:00)")
        #expect(PageTimes.local(Instant(iso: "2026-11-01T06:20:00Z")!, zone: zone) == "2026-11-01 01:20 (America/New_York, UTC-05:00)")
        #expect(PageTimes.local(Instant(iso: "2026-11-02T06:20:00Z")!, zone: zone) == "2026-11-02 01:20 (America/New_York)")
    }
}
