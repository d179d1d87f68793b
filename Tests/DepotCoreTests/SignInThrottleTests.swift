import Testing

@testable import DepotCore

/// Issue 19: how long a sign-in waits after failures of its account or from its address.
@Suite("Sign-in throttle")
struct SignInThrottleTests {
    static let now = Instant(iso: "2026-12-06T12:00:00Z")!

    static func ago(_ seconds: Int64...) -> [Instant] { seconds.map { now.adding(seconds: -$0) } }

    @Test("five failures of an account within 15 minutes: wait until the oldest is 15 minutes old; older ones do not count")
    func account() {
        #expect(SignInThrottle.wait(accountFailures: Self.ago(10, 20, 30, 40), addressFailures: [], now: Self.now) == nil)
        #expect(SignInThrottle.wait(accountFailures: Self.ago(10, 20, 30, 40, 600), addressFailures: [], now: Self.now) == 300)
        #expect(SignInThrottle.wait(accountFailures: Self.ago(10, 20, 30, 40, 900), addressFailures: [], now: Self.now) == nil)
        // Seven recent failures: the wait lasts until only four are left in the window (the order given does not matter).
        #expect(SignInThrottle.wait(accountFailures: Self.ago(700, 10, 800, 20, 30, 40, 600), addressFailures: [], now: Self.now) == 300)
        // A failure dated after now (another server's clock a little ahead) is not counted here.
        #expect(SignInThrottle.wait(accountFailures: Self.ago(10, 20, 30, 40, -5), addressFailures: [], now: Self.now) == nil)
    }

    @Test("twenty failures from an address; the longer of two waits applies; names count in any case and spacing")
    func address() {
        let twenty = (1...20).map { Self.now.adding(seconds: -Int64($0) * 10) }
        #expect(SignInThrottle.wait(accountFailures: [], addressFailures: Array(twenty.prefix(19)), now: Self.now) == nil)
        #expect(SignInThrottle.wait(accountFailures: [], addressFailures: twenty, now: Self.now) == 700)
        #expect(SignInThrottle.wait(accountFailures: Self.ago(1, 2, 3, 4, 5), addressFailures: twenty, now: Self.now) == 895)
        #expect(SignInThrottle.accountKey(" Ada ") == SignInThrottle.accountKey("ada"))
    }
}
