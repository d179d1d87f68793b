import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

@Suite("A customer's active contract")
struct ActiveContractTests {
    /// ACME gains a standard contract overlapping its premium-plus one and a second premium-plus one that ends later;
    /// GLOBEX (emea) a contract that starts on 2027-01-01, so that the day in the customer's own region decides.
    static let moreContracts = """
        contract,customer,tier,start_date,end_date,max_contacts
        C-ACME-STD,ACME,standard,2026-06-01,2027-06-30,2
        C-ACME-LONG,ACME,premium-plus,2026-11-01,2027-01-31,2
        C-GLOBEX-2027,GLOBEX,premium,2027-01-01,2027-12-31,2
        """

    @Test("Contract.active(among:on:) is the contract in force on the customer's day with the highest tier, the latest to end among equals")
    func activeContract() throws {
        let depot = try TestDepot.withFleet()
        try depot.importAll([(.contracts, Self.moreContracts)])
        let instants = [
            "2025-12-31T12:00:00Z", "2026-01-01T12:00:00Z", "2026-11-23T15:00:00Z", "2026-12-31T23:30:00Z", "2027-01-01T00:30:00Z",
            "2027-01-31T12:00:00Z", "2027-02-01T12:00:00Z", "2027-07-01T12:00:00Z",
        ].compactMap(Instant.init(iso:))
        #expect(instants.count == 8)
        func active(_ customer: String, _ at: Instant) throws -> CustomerDetail.Contract? {
            let detail = try depot.database.customerDetail(customer, at: at)
            return CustomerDetail.Contract.active(among: detail.contracts, on: depot.database.policy.day(of: at, region: detail.region))
        }
        for customer in ["ACME", "GLOBEX", "INITECH", "NOCON"] {
            for at in instants {
                let detail = try depot.database.customerDetail(customer, at: at)
                let chosen = try active(customer, at)
                // The one customerDetail marks active, of the tier it reports.
                #expect(chosen.map { $0.active } ?? true && chosen?.tier == detail.tier, "\(customer) at \(at)")
            }
        }
        let nov23 = try #require(Instant(iso: "2026-11-23T15:00:00Z"))
        #expect(try active("ACME", nov23)?.key == "C-ACME-LONG")
        #expect(try active("NOCON", nov23) == nil)
        // The day in GLOBEX's region (emea) decides: 2027-01-01 00:30 UTC is already 2027 in London.
        #expect(try active("GLOBEX", try #require(Instant(iso: "2027-01-01T00:30:00Z")))?.key == "C-GLOBEX-2027")
    }
}
