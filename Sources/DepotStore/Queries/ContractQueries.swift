import DepotCore
import Foundation
import GRDB

extension DepotDatabase {
    /// The customer's contract in force on the customer region's day at `now` with the highest tier (of those, the
    /// latest to end): the one `customerDetail(_:at:)` marks active and ranks first, without the rest of the customer.
    public func activeContract(ofCustomer key: String, at now: Instant) throws(DepotError) -> CustomerDetail.Contract? {
        try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let day = policy.day(of: now, region: customer.region)
            return try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT key, tier, start_date, end_date, max_contacts FROM contract WHERE customer_id = ? ORDER BY start_date, key"
                ),
                arguments: [customer.id]
            )
            .compactMap { row -> CustomerDetail.Contract? in
                let start = try row.decode("start_date", from: "contract") as LocalDate
                let end = try row.decode("end_date", from: "contract") as LocalDate
                guard start <= day && day <= end else { return nil }
                return CustomerDetail.Contract(
                    key: row["key"], tier: try row.decode("tier", from: "contract") as Tier, start: start, end: end,
                    maxContacts: row["max_contacts"], active: true)
            }
            .max { ($0.tier, $0.end) < ($1.tier, $1.end) }
        }
    }
}
