import DepotCore
import Foundation
import GRDB

extension DepotDatabase {
    /// The customer's contract in force on the customer region's day at `now` with the highest tier (of those, the
    /// latest to end): the one `customerDetail(_:at:)` marks active and ranks first, without the rest of the customer.
    public func activeContract(ofCustomer key: String, at now: Instant) throws(DepotError) -> CustomerDetail.Contract? {
        try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let day = try policy.day(of: now, storedRegion: customer.region, table: "customer")
            let contracts = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT key, tier, start_date, end_date, max_contacts FROM contract WHERE customer_id = ? ORDER BY start_date, key"
                ),
                arguments: [customer.id]
            )
            .map { row throws(DepotError) in try CustomerDetail.Contract(row.stored("contract"), on: day) }
            return CustomerDetail.Contract.active(among: contracts, on: day)
        }
    }
}

extension CustomerDetail.Contract {
    /// A contract read from its row, marked active when in force on `day`.
    init(_ contract: StoredRow, on day: LocalDate) throws(DepotError) {
        let start: LocalDate = try contract("start_date")
        let end: LocalDate = try contract("end_date")
        self.init(
            key: try contract("key"), tier: try contract("tier"), start: start, end: end, maxContacts: try contract("max_contacts"),
            active: start <= day && day <= end)
    }

    /// The contract that counts on `day` (SPEC.md 1): of those in force (start <= day <= end), the highest tier, of
    /// those the latest to end; `nil` when none is in force.
    public static func active(among contracts: [Self], on day: LocalDate) -> Self? {
        contracts.filter { $0.start <= day && day <= $0.end }.max { ($0.tier, $0.end) < ($1.tier, $1.end) }
    }
}
