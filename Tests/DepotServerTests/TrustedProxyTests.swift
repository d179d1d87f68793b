import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// Issue 19: behind a trusted proxy the client's address comes from `X-Forwarded-For`; from anyone else the header
/// is ignored.
@Suite("Trusted proxies")
struct TrustedProxyTests {
    @Test("the right-most untrusted hop is the client; an untrusted connection's header is ignored; junk stops the walk")
    func clientAddress() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "::1", "192.168.1.7"])
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        // The client may send a header of its own: its left-most entries are not believed.
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["1.1.1.1, 203.0.113.9, 10.9.9.9"]) == "203.0.113.9")
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["1.1.1.1", "203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.client(connection: "203.0.113.50", forwardedFor: ["1.1.1.1"]) == "203.0.113.50")
        #expect(proxies.client(connection: "192.168.1.8", forwardedFor: ["1.1.1.1"]) == "192.168.1.8", "one address, not its block")
        #expect(proxies.client(connection: "::1", forwardedFor: ["2001:db8::1"]) == "2001:db8::1")
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["evil, 203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["203.0.113.9, <script>"]) == "10.1.2.3")
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        // Only proxies in the chain: the left-most of them.
        #expect(proxies.client(connection: "10.1.2.3", forwardedFor: ["10.0.0.1, 10.0.0.2"]) == "10.0.0.1")
        #expect(try TrustedProxies(["0.0.0.0/0"]).trusts("8.8.8.8") && !TrustedProxies(["0.0.0.0/0"]).trusts("::1"))
    }

    @Test("limits count an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 one")
    func limitKeys() {
        #expect(TrustedProxies.limitKey("2001:db8:1:2::1") == TrustedProxies.limitKey("2001:db8:1:2:ffff::16"))
        #expect(TrustedProxies.limitKey("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(TrustedProxies.limitKey("2001:db8:1:3::1") != TrustedProxies.limitKey("2001:db8:1:2::1"))
        #expect(TrustedProxies.limitKey("::ffff:10.0.10.1") == "10.0.10.1" && TrustedProxies.limitKey("10.0.10.1") == "10.0.10.1")
        #expect(TrustedProxies.limitKey("unknown") == "unknown")
    }

    @Test("entries that are not addresses or blocks are refused by name")
    func refused() {
        for entry in ["10.0.0.0/33", "proxy.local", "10.0.0.0/", "10.0.0.0/+8", "::/129", ""] {
            #expect(throws: DepotError.self, "\(entry)") { try TrustedProxies([entry]) }
        }
    }

    @Test("sign-in failures behind a trusted proxy count per forwarded client, not for everyone behind it")
    func limitsPerForwardedClient() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        _ = try TestServer(depot: depot)
        var configuration = ServerConfiguration()
        // A real connection from loopback, the proxy here.
        configuration.trustedProxies = try TrustedProxies(["127.0.0.0/8", "::1"])
        configuration.port = 0
        configuration.verifyPassword = { _, _ in false }
        let app = try buildApplication(database: depot.database, configuration: configuration, now: { depot.clock.now })
        try await app.test(.live) { client in
            for n in 0..<20 {
                let response = try await Self.failedSignIn(client, name: "nobody\(n)", from: "203.0.113.9")
                #expect(response.status == (n < 19 ? .unauthorized : .tooManyRequests))
            }
            #expect(try await Self.failedSignIn(client, name: "someone", from: "203.0.113.9").status == .tooManyRequests)
            #expect(try await Self.failedSignIn(client, name: "someone", from: "198.51.100.4").status == .unauthorized)
        }
        let addresses = try depot.outside { db in try db.values(String.self, "SELECT DISTINCT address FROM sign_in_failure ORDER BY 1") }
        #expect(addresses == ["198.51.100.4", "203.0.113.9"])
    }

    static func failedSignIn(_ client: any TestClientProtocol, name: String, from address: String) async throws -> TestResponse {
        let form = try await client.execute(uri: "/sign-in", method: .get)
        let token = try #require(TestBrowser.value(of: "token", in: String(buffer: form.body)))
        let cookie = try #require(form.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
        var headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
        headers[ClientAddressMiddleware.forwardedFor] = address
        return try await client.execute(
            uri: "/sign-in", method: .post, headers: headers, body: ByteBuffer(string: "token=\(token)&name=\(name)&password=wrong"))
    }
}
