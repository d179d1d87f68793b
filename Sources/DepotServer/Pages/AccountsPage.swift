import DepotCore
import DepotReports
import DepotStore
import Foundation
import Mustache

/// `/accounts`: the warranties ending this month and in the next three, as a chart by month and a table by customer
/// (a page of 50 at a time, each customer's total linking to those units in the warranty-expiry report), contract
/// renewals of the next 90 days, sales referrals. The chart and the table read the expiry tally, never the units, so
/// the page costs the same for any fleet size.
struct AccountsPage: PageModel {
    static let template = "accounts"
    static let windowDays = 90
    static let months = 4
    let title = "Accounts"
    /// The chart as SVG, drawn and escaped by `WarrantyChart`: the template inserts it as it is.
    let chart: String
    let expiries: Expiries
    let renewals: ReportTableModel
    let referrals: ReportTableModel

    init(database: DepotDatabase, now: Instant, query: ListQuery) throws {
        let window = ReportParameters.today(at: now, policy: database.policy, withinDays: Self.windowDays)
        let today = database.policy.day(of: now, region: nil)
        let months = ExpiryMonths(from: today, count: Self.months)
        chart = WarrantyChart.svg(try database.warrantyExpiriesByMonth(months))
        let page = try database.warrantyExpiriesByCustomer(months, today: today, limit: ListQuery.perPage, offset: query.offset)
        try query.checkPage(total: page.customers)
        expiries = Expiries(page: page, months: months, query: query)
        renewals = ReportTableModel(try database.table(ReportCatalog.named("contract-renewals"), parameters: window, limit: 200))
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

    /// The expiries table (`listing.mustache`): a customer per row with its units per month, their total (linking to
    /// the same units in the warranty-expiry report) and its contract.
    struct Expiries: MustacheParent, Sendable {
        let units: Int
        let range: String
        let rows: [ListPage.Row]
        let headers: [ListPage.Header]
        let pager: ListPage.Pager

        init(page: WarrantyExpiryPage, months: ExpiryMonths, query: ListQuery) {
            units = page.units
            range = "\(months.months.first ?? "") to \(months.months.last ?? "")"
            headers = (["Customer", "Account manager"] + months.months + ["Total", "Contract"]).map {
                ListPage.Header(label: $0, href: nil, sorted: nil)
            }
            rows = page.groups.map { group in
                let customerPath = KeyText(text: group.customer).transform("path") as? String ?? ""
                let contract = group.contractTier.map { "\($0.rawValue) until \(group.contractEnd?.description ?? "?")" }
                let report = "/reports/warranty-expiry?customer=\(customerPath)&as-of=\(months.first)&within-days=\(months.days)"
                return ListPage.Row(
                    "expiries-\(group.customer)",
                    [.record("customers", group.customer, note: group.name), ListPage.Cell(group.accountManager)]
                        + group.perMonth.map { ListPage.Cell(String($0), tone: $0 == 0 ? "quiet" : nil) }
                        + [
                            ListPage.Cell("\(group.units) unit\(group.units == 1 ? "" : "s")", href: report),
                            ListPage.Cell(contract ?? "no active contract", tone: contract == nil ? "quiet" : nil),
                        ])
            }
            pager = query.pager(total: page.customers, shown: rows.count)
        }

        func child(named name: String) -> Any? {
            switch name {
            case "listID": text("expiries")
            case "units": text("\(units) unit\(units == 1 ? "" : "s")")
            case "range": text(range)
            case "headers": headers
            case "rows": rows
            case "hasRows": !rows.isEmpty
            case "pager": pager
            default: nil
            }
        }
    }
}
