import DepotCore
import DepotReports
import DepotStore
import Foundation
import Mustache

/// `/accounts`: the warranty expiries of the next 90 days as a chart and a table by customer (a page of 50 at a
/// time, each customer linking to its expiring units), contract renewals, sales referrals. The chart and the
/// table read the expiry tally, never the units, so the page costs the same for any fleet size.
struct AccountsPage: PageModel {
    static let template = "accounts"
    static let windowDays = 90
    let title = "Accounts"
    /// The chart as SVG, drawn and escaped by `WarrantyChart`: the template inserts it as it is.
    let chart: String
    let expiries: Expiries
    let renewals: ReportTableModel
    let referrals: ReportTableModel

    init(database: DepotDatabase, now: Instant, query: ListQuery) throws {
        let window = ReportParameters.today(at: now, policy: database.policy, withinDays: Self.windowDays)
        chart = WarrantyChart.svg(try database.warrantyExpiriesByMonth(window))
        let page = try database.warrantyExpiriesByCustomer(window, limit: ListQuery.perPage, offset: query.offset)
        try query.checkPage(total: page.customers)
        expiries = Expiries(page: page, query: query)
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

    /// The expiries table (`listing.mustache`): a customer per row with its units, first expiry and contract.
    struct Expiries: MustacheParent, Sendable {
        let units: Int
        let rows: [ListPage.Row]
        let headers: [ListPage.Header]
        let pager: ListPage.Pager

        init(page: WarrantyExpiryPage, query: ListQuery) {
            units = page.units
            headers = ["Customer", "Account manager", "Units", "First warranty end", "Contract"].map {
                ListPage.Header(label: $0, href: nil, sorted: nil)
            }
            rows = page.groups.map { group in
                let customerPath = KeyText(text: group.customer).transform("path") as? String ?? ""
                let contract = group.contractTier.map { "\($0.rawValue) until \(group.contractEnd?.description ?? "?")" }
                return ListPage.Row(
                    "expiries-\(group.customer)",
                    [
                        .record("customers", group.customer, note: group.name), ListPage.Cell(group.accountManager),
                        ListPage.Cell(
                            "\(group.units) unit\(group.units == 1 ? "" : "s")",
                            href: "/reports/warranty-expiry?customer=\(customerPath)&within-days=\(AccountsPage.windowDays)"),
                        ListPage.Cell(group.firstEnd.description),
                        ListPage.Cell(contract ?? "no active contract", tone: contract == nil ? "quiet" : nil),
                    ])
            }
            pager = query.pager(total: page.customers, shown: rows.count)
        }

        func child(named name: String) -> Any? {
            switch name {
            case "listID": text("expiries")
            case "units": text("\(units) unit\(units == 1 ? "" : "s")")
            case "headers": headers
            case "rows": rows
            case "hasRows": !rows.isEmpty
            case "pager": pager
            default: nil
            }
        }
    }
}
