import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Serials may hold characters that mean something in an address (`?`, `#`, `/`, `%`, non-ASCII letters): every link
/// to a unit or a customer escapes its key, and every route reads its key unescaped, so each unit has a page that
/// is its own.
@Suite("Links to keys with special characters")
struct LinkTests {
    static let units: [(ImportEntity, String)] = [
        (
            .appliances,
            """
            serial,model,customer,site,depot,ship_date,software_version,status
            X1,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            X1?2,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            X1#2,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            AB/1,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            ÄB#1,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            P%41,DX-100,ACME,ACME-NYC,,2026-03-01,5.1,in-service
            """
        )
    ]

    static func escaped(_ serial: String) -> String {
        serial.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    @Test("each unit's page is its own, by the escaped link its pages give; the API reads the same addresses")
    func unitLinks() async throws {
        let server = try TestServer()
        try server.depot.importAll(Self.units)
        let serials = ["X1?2", "X1#2", "AB/1", "ÄB#1", "P%41"]
        for serial in serials {
            _ = try server.depot.database.openCase(
                NewCase(
                    customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: Serial(serial), impact: .low,
                    urgency: .low, title: "Unit \(serial)"), at: TestServer.now, actor: TestDepot.engineer)
        }
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            let support = String(buffer: try await browser.get(client, "/support").body)
            for serial in serials {
                let path = "/units/\(Self.escaped(serial))"
                #expect(support.contains("href=\"\(path)\""), "\(serial) on the support page")
                let page = try await browser.get(client, path)
                let html = String(buffer: page.body)
                #expect(
                    page.status == .ok
                        && html.contains("<h1>Unit \(serial.uppercased().replacingOccurrences(of: "&", with: "&amp;"))</h1>"), "\(path)")
                #expect(html.contains("href=\"/cases/new?serial=\(Self.escaped(serial.uppercased()))&amp;customer=ACME\""), "\(path)")
                let api = try await client.execute(uri: "/api/v1\(path)", method: .get, headers: server.auth(.supportEngineer))
                let unit = try json(api)
                #expect(api.status == .ok && unit["serial"] as? String == serial.uppercased(), "/api/v1\(path)")
            }
            // Search sends to the same escaped addresses.
            #expect(try await browser.get(client, "/search?q=ab%2F1").headers[.location] == "/units/AB%2F1")
            #expect(try await browser.get(client, "/search?q=x1%3F2").headers[.location] == "/units/X1%3F2")
            // The unescaped forms are other addresses: X1?2 unescaped is X1 with a query, the unit X1.
            #expect(String(buffer: try await browser.get(client, "/units/X1?2").body).contains("<h1>Unit X1</h1>"))
            #expect(try await browser.get(client, "/units/%ZZ").status == .badRequest)
        }
    }
}
