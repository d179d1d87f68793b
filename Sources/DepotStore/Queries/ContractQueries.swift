import DepotCore
import Foundation

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
