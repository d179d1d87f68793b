import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// Issue 19: no answer of Depot's may be kept by a shared cache or sniffed as another type.
@Suite("Response headers")
struct ResponseHeaderTests {
    @Test("API JSON, CSV and errors, pages and errors are private, no-store and nosniff; the stylesheet may be cached")
    func privateAndNosniff() async throws {
        let server = try TestServer()
        try await server.run { client in
            let admin = server.auth(.admin)
            for (uri, status) in [
                ("/api/v1/units/ACME-1", HTTPResponse.Status.ok), ("/api/v1/units/NOPE", .notFound),
                ("/api/v1/reports/spare-stock", .ok), ("/api/v1/nothing-here", .notFound),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: admin)
                #expect(response.status == status, "\(uri)")
                #expect(response.headers[.cacheControl] == "private, no-store", "\(uri)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
            }
            let unauthenticated = try await client.execute(uri: "/api/v1/units/ACME-1", method: .get)
            #expect(unauthenticated.status == .unauthorized && unauthenticated.headers[.cacheControl] == "private, no-store")
            let css = try await client.execute(uri: "/static/depot.css", method: .get)
            #expect(css.headers[.cacheControl] == "max-age=3600")
        }
    }

    @Test("a shipping label opened on its own may draw, never run anything: a sandboxing CSP and nosniff")
    func labelHeaders() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "ops@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Dead unit"), at: TestServer.now, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "dead", at: TestServer.now, actor: TestDepot.engineer
            )
            .rma)
        try await server.run { client in
            let label = try await client.execute(
                uri: "/api/v1/rmas/\(rma)/label?direction=return", method: .get, headers: server.auth(.logistics))
            #expect(label.status == .ok && label.headers[.contentType] == "image/svg+xml; charset=utf-8")
            #expect(
                label.headers[.contentSecurityPolicy] == "sandbox; default-src 'none'" && label.headers[.xContentTypeOptions] == "nosniff")
        }
    }
}
