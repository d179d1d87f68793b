import DepotCore
import DepotReports
import DepotStore
import Foundation
import Mustache

/// `/accounts`: the warranty expiries of the next 90 days as a chart and a table, contract renewals, sales referrals.
struct AccountsPage: PageModel {
    static let template = "accounts"
    let title = "Accounts"
    /// The chart as SVG, drawn and escaped by `WarrantyChart`: the template inserts it as it is.
    let chart: String
    let expiries: ReportTableModel
    let renewals: ReportTableModel
    let referrals: ReportTableModel

    init(database: DepotDatabase, now: Instant) throws {
        let within90 = ReportParameters.today(at: now, policy: database.policy, withinDays: 90)
        chart = WarrantyChart.svg(try database.warrantyExpiriesByMonth(within90))
        expiries = ReportTableModel(try database.table(ReportCatalog.named("warranty-expiry"), parameters: within90, limit: 200))
        renewals = ReportTableModel(try database.table(ReportCatalog.named("contract-renewals"), parameters: within90, limit: 200))
        referrals = ReportTableModel(
            try database.table(
                ReportCatalog.named("sales-referrals"), parameters: ReportParameters.today(at: now, policy: database.policy), limit: 200))
    }

    func child(named name: String) -> Any? {
        switch name {
        case "chart": text(chart)
        case "expiries": expiries
        case "renewals": renewals
        case "referrals": referrals
        default: nil
        }
    }
}
