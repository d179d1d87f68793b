import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

@testable import DepotNotify

@Suite("Webhook endpoints")
struct WebhookEndpointTests {
    static let at = Instant(iso: "2026-11-23T15:00:00Z")!
    static let secret = "whsec_0123456789abcdef_plain"

    @Test("an endpoint per target and per target and customer; its secret sealed at rest and never listed")
    func endpoints() throws {
        let depot = try TestDepot.withFleet()
        let database = depot.database
        let leadership = try database.addEndpoint(
            target: .leadership, url: "https://hooks.example/lead", secret: Self.secret, customer: nil,
            format: .slack, at: Self.at, actor: TestDepot.admin)
        let tam = try database.addEndpoint(
            target: .tam, url: "http://127.0.0.1:9000/acme", secret: Self.secret + "2", customer: "ACME",
            format: .json, at: Self.at, actor: TestDepot.admin)
        #expect(try database.endpoints().map(\.id) == [leadership, tam])
        #expect(try database.endpoints().last?.customer == "ACME")
        #expect(throws: DepotError.self) {
            try database.addEndpoint(
                target: .leadership, url: "https://other.example/", secret: Self.secret, customer: nil, format: .json,
                at: Self.at, actor: TestDepot.admin)
        }
        for (url, secret) in [("ftp://hooks.example/x", Self.secret), ("https://", Self.secret), ("https://hooks.example/x", "short")] {
            #expect(throws: DepotError.self) {
                try database.addEndpoint(
                    target: .logistics, url: url, secret: secret, customer: nil, format: .json, at: Self.at, actor: TestDepot.admin)
            }
        }
        #expect(throws: DepotError.forbidden(user: "sam", role: "support-engineer", permission: "configure notifications")) {
            try database.addEndpoint(
                target: .logistics, url: "https://hooks.example/l", secret: Self.secret, customer: nil, format: .json,
                at: Self.at, actor: TestDepot.engineer)
        }
        // The secret comes back for signing; the database file never holds it in plain text; the key file is private.
        let route = try #require(
            try database.route(
                for: try database.notification(
                    try database.queueTestNotification(target: .leadership, customer: nil, at: Self.at, actor: TestDepot.admin))))
        #expect(route.endpointID == leadership)
        #expect(try route.secret(keyOf: database) == Self.secret)
        if database.isPostgres {
            let sealed = try depot.outside { db in try db.values(Data.self, "SELECT secret_sealed FROM webhook_endpoint") }
            #expect(sealed.count == 2 && sealed.allSatisfy { $0.range(of: Data("whsec_".utf8)) == nil })
        } else {
            for suffix in ["", "-wal"] {
                let file = try Data(contentsOf: URL(fileURLWithPath: database.path + suffix))
                #expect(
                    file.range(of: Data(Self.secret.utf8)) == nil && file.range(of: Data("whsec_".utf8)) == nil, "depot.sqlite\(suffix)")
            }
        }
        let mode = try FileManager.default.attributesOfItem(atPath: try #require(database.keyFile))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try database.auditEntries(entity: "webhook-endpoint").allSatisfy { !$0.details.contains("whsec") })

        try database.removeEndpoint(tam, at: Self.at, actor: TestDepot.admin)
        #expect(try database.endpoints().map(\.id) == [leadership])
        #expect(throws: DepotError.notFound(kind: "webhook endpoint", key: String(tam))) {
            try database.removeEndpoint(tam, at: Self.at, actor: TestDepot.admin)
        }
    }

    @Test("the signature is sha256= and the hex HMAC-SHA256 of \"timestamp.body\" (checked against Python's hmac)")
    func signature() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_secret", b"1795000000.{\"event\":\"escalation\"}", hashlib.sha256).hexdigest())'
        #expect(
            WebhookSignature.sign(secret: "whsec_test_secret", timestamp: 1_795_000_000, body: Data(#"{"event":"escalation"}"#.utf8))
                == "sha256=dc5788fa969d36eedc305b88a356de760c91ad7c09f456592aa8a1c4f2ca8eaf")
    }
}
