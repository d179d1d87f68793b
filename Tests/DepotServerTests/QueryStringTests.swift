import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, defect 1: a query string is a form (`+` and `%20` are spaces), what users type is trimmed, and keys
/// match in any letter case, on pages and in the API alike.
@Suite("Query strings read as forms")
struct QueryStringTests {
    /// Two customers whose keys differ only in letter case: typed exactly, each is found; typed otherwise, neither.
    static let twins: [(ImportEntity, String)] = [
        (
            .customers,
            """
            customer,name,region,account_manager,tam
            ab,Lower Ab Ltd,emea,Bob Manager,
            AB,Upper AB Ltd,emea,Bob Manager,
            """
        )
    ]

    @Test("a scanned serial with a trailing space, a filter with a space in it, a key in other letter case")
    func formDecoding() async throws {
        let server = try TestServer()
        try server.depot.importAll(Self.twins)
        let db = server.depot.database
        for (customer, contact) in [("ACME", "dev@acme.example"), ("GLOBEX", "it@globex.example")] {
            _ = try db.openCase(
                NewCase(customer: customer, contact: contact, type: .question, impact: .low, urgency: .low, title: "Question"),
                at: TestServer.now, actor: TestDepot.engineer)
        }
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .accountManager)
            func location(_ uri: String) async throws -> String? {
                let response = try await browser.get(client, uri)
                return response.headers[.location]
            }
            #expect(try await location("/search?q=acme-1+") == "/units/ACME-1")
            #expect(try await location("/search?q=+acme-1%20") == "/units/ACME-1")
            #expect(try await location("/search?q=acme") == "/customers/ACME")
            #expect(try await location("/search?q=ab") == "/customers/ab")
            #expect(try await location("/search?q=AB") == "/customers/AB")
            // Neither is named exactly: both are listed.
            let both = try await browser.get(client, "/search?q=Ab")
            let listed = String(buffer: both.body)
            #expect(both.status == .ok && listed.contains("href=\"/customers/ab\"") && listed.contains("href=\"/customers/AB\""))
            #expect(try await browser.get(client, "/search?q=%ZZ").status == .badRequest)

            // The warranty-expiry report by an account manager whose name has a space: `+` and `%20` alike.
            let plus = String(
                buffer: try await browser.get(client, "/reports/warranty-expiry?account-manager=Alice+Manager&within-days=365").body)
            let encoded = String(
                buffer: try await browser.get(client, "/reports/warranty-expiry?account-manager=alice%20manager&within-days=365").body)
            #expect(plus.contains("ACME-1") && !plus.contains("GLOBEX-1") && plus.contains("value=\"Alice Manager\""))
            #expect(encoded.contains("ACME-1") && !encoded.contains("GLOBEX-1"))
            let nobody = String(
                buffer: try await browser.get(client, "/reports/warranty-expiry?account-manager=Alice+Nobody&within-days=365").body)
            #expect(!nobody.contains("ACME-1"))

            // The API's filters: trimmed, any letter case; a key two customers share in other cases finds neither.
            func cases(_ query: String) async throws -> [String] {
                let response = try await client.execute(uri: "/api/v1/cases?\(query)", method: .get, headers: server.auth(.accountManager))
                #expect(response.status == .ok, "\(query)")
                return (try json(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["customer"] as? String }
            }
            #expect(try await cases("customer=+acme+") == ["ACME"])
            #expect(try await cases("region=EMEA") == ["GLOBEX"])
            #expect(try await cases("customer=Ab").isEmpty)
            #expect(try await cases("customer=globex&region=emea") == ["GLOBEX"])
            // Enumerations and flags: trimmed; a flag that is neither true nor false is refused, never ignored.
            #expect(try await cases("status=+open+&open=TRUE").count == 2)
            for bad in ["open=banana", "open=1", "status=opened"] {
                let response = try await client.execute(uri: "/api/v1/cases?\(bad)", method: .get, headers: server.auth(.accountManager))
                #expect(response.status == .badRequest, "\(bad)")
            }
            let rmas = try await client.execute(uri: "/api/v1/rmas?overdue=maybe", method: .get, headers: server.auth(.accountManager))
            #expect(rmas.status == .badRequest)
            // A report's region in any letter case and with spaces around it.
            for region in ["EMEA", "+emea+", "Emea"] {
                let page = try await browser.get(client, "/reports/contract-renewals?region=\(region)&within-days=365")
                #expect(page.status == .ok && String(buffer: page.body).contains("GLOBEX"), "\(region)")
                let api = try await client.execute(
                    uri: "/api/v1/reports/contract-renewals?region=\(region)&within-days=365", method: .get,
                    headers: server.auth(.accountManager))
                #expect(api.status == .ok, "\(region)")
            }
        }
    }

    @Test("the store finds a customer by a key in other letter case only when it can mean one customer")
    func customerKeys() throws {
        let depot = try TestDepot.withFleet()
        try depot.importAll(Self.twins)
        let db = depot.database
        #expect(try db.customerDetail("acme", at: TestServer.now).key == "ACME")
        #expect(try db.customerDetail(" Globex ", at: TestServer.now).key == "GLOBEX")
        #expect(try db.customerDetail("ab", at: TestServer.now).name == "Lower Ab Ltd")
        #expect(try db.customerDetail("AB", at: TestServer.now).name == "Upper AB Ltd")
        #expect(throws: DepotError.notFound(kind: "customer", key: "aB")) { try db.customerDetail("aB", at: TestServer.now) }
    }

    @Test("search says so when a stored value cannot be read, instead of \"nothing found\"")
    func searchShowsUnreadableValues() async throws {
        let server = try TestServer()
        try server.depot.corrupt("appliance", "status", "zombie", where: "serial = ?", ["ACME-1"])
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            let response = try await browser.get(client, "/search?q=acme-1")
            #expect(response.status == .internalServerError)
            #expect(String(buffer: response.body).contains("appliance.status"))
            // What does not exist is still "nothing found".
            #expect(try await browser.get(client, "/search?q=NOPE-1").status == .notFound)
        }
    }
}
