import DepotCore
import DepotStore
import Foundation

/// The list pages' filters, columns and rows, from a page of a listing.
enum ListPages {
    typealias Cell = ListPage.Cell

    static func regions(_ database: DepotDatabase) -> [(String, String)] {
        database.policy.regions.map { ($0.id, $0.id) }
    }

    static func words<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> [(String, String)] where T.RawValue == String {
        T.allCases.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "-", with: " ")) }
    }

    static func cases(
        _ listing: Listing<CaseSummary>, query: ListQuery, order: ListOrder<CaseColumn>, database: DepotDatabase, now: Instant
    )
        -> ListPage
    {
        let rows = listing.items.map { c in
            let row = CaseRow(c, database: database, now: now)
            return ListPage.Row(
                "case-\(c.number)", late: c.slaState == .breached,
                [
                    Cell.record("cases", c.number.text), Cell(c.priority.rawValue), Cell(c.status.rawValue),
                    Cell.record("customers", c.customer, note: listing.customerNames[c.customer]),
                    Cell.record("units", c.serial?.text), Cell(c.title),
                    Cell(row.sla.text, tone: row.sla.tone, note: row.due.isEmpty ? nil : "due \(row.due)"),
                    Cell(PageTimes.local(c.openedAt, zone: PageTimes.zone(database, region: c.region))),
                ])
        }
        return ListPage(
            title: "Cases", intro: "Every case, newest first unless sorted otherwise. Response SLA: the time left to respond.",
            id: "cases", query: query,
            filters: [
                query.select("status", "Status", [("unresolved", "any not resolved")] + words(CaseStatus.self)),
                query.select("priority", "Priority", Priority.allCases.map { ($0.rawValue, $0.rawValue) }),
                query.select("sla", "Response SLA", [("pending", "due, not responded"), ("breached", "breached"), ("met", "met")]),
                query.select("region", "Region", regions(database)), query.field("customer", "Customer"),
            ],
            headers: [
                query.header("Case", CaseColumn.number, order: order), query.header("Priority", CaseColumn.priority, order: order),
                query.header("Status", CaseColumn.status, order: order), query.header("Customer", CaseColumn.customer, order: order),
                query.header("Unit", CaseColumn?.none, order: order), query.header("Title", CaseColumn?.none, order: order),
                query.header("Response SLA", CaseColumn.due, order: order), query.header("Opened", CaseColumn.opened, order: order),
            ],
            rows: rows, pager: query.pager(total: listing.total, shown: rows.count), action: ("Open a case", "/cases/new"))
    }

    static func rmas(_ listing: Listing<RMADetail>, query: ListQuery, order: ListOrder<RMAColumn>, database: DepotDatabase, now: Instant)
        -> ListPage
    {
        let rows = listing.items.map { r in
            let zone = PageTimes.zone(database, region: r.region)
            let next = r.nextDeadline
            let deadline = next.map { RMARow.Deadline(at: $0.at, now: now, pending: true) }
            return ListPage.Row(
                "rma-\(r.number)", late: r.overdue,
                [
                    Cell.record("rmas", r.number.text), Cell(r.path.rawValue.replacingOccurrences(of: "-", with: " ")),
                    Cell(
                        r.state.rawValue, tone: r.overdue ? "bad" : nil,
                        note: r.overdue ? r.overdueText : nil),
                    Cell.record("units", r.serial.text, note: r.model),
                    Cell.record("customers", r.customer, note: r.customer.flatMap { listing.customerNames[$0] }),
                    Cell(
                        next.map { "\($0.what) \(PageTimes.local($0.at, zone: zone))" } ?? "", tone: deadline?.late == true ? "bad" : nil,
                        note: deadline?.relative),
                    Cell.record("units", r.replacementSerial?.text), Cell.record("cases", r.caseNumber.text),
                ])
        }
        return ListPage(
            title: "RMAs",
            intro:
                "Every RMA, newest first unless sorted otherwise. Next deadline: ship-by until the replacement ships, then the return due.",
            id: "rmas", query: query,
            filters: [
                query.select("state", "State", [("open", "open (not closed or cancelled)")] + words(RMAState.self)),
                query.select("path", "Path", words(RMAPath.self)),
                query.select("overdue", "Deadline", any: "any", [("true", "overdue only")]),
                query.select("region", "Region", regions(database)), query.field("customer", "Customer"),
            ],
            headers: [
                query.header("RMA", RMAColumn.number, order: order), query.header("Path", RMAColumn.path, order: order),
                query.header("State", RMAColumn.state, order: order), query.header("Unit", RMAColumn?.none, order: order),
                query.header("Customer", RMAColumn.customer, order: order), query.header("Next deadline", RMAColumn.deadline, order: order),
                query.header("Replacement", RMAColumn?.none, order: order), query.header("Case", RMAColumn?.none, order: order),
            ],
            rows: rows, pager: query.pager(total: listing.total, shown: rows.count))
    }

    static func units(
        _ listing: Listing<UnitSummary>, query: ListQuery, order: ListOrder<UnitColumn>, database: DepotDatabase, now: Instant
    )
        -> ListPage
    {
        let today = now.utcDate
        let rows = listing.items.map { u in
            // Under warranty in words as well as colour (the unit's page judges it on the unit's own day).
            let covered = u.warrantyEnd >= today
            return ListPage.Row(
                "unit-\(u.serial)",
                [
                    Cell.record("units", u.serial.text), Cell(u.model), Cell(u.status.rawValue.replacingOccurrences(of: "-", with: " ")),
                    Cell.record("customers", u.customer, note: u.customer.flatMap { listing.customerNames[$0] }), Cell(u.site ?? ""),
                    Cell(u.warrantyEnd.description, tone: covered ? "good" : "quiet", note: covered ? "in warranty" : "warranty ended"),
                ])
        }
        return ListPage(
            title: "Units", intro: "Every unit of the fleet, by serial unless sorted otherwise. Serial: any part of it.", id: "units",
            query: query,
            filters: [
                query.field("serial", "Serial"), query.select("status", "Status", words(ApplianceStatus.self)),
                query.field("model", "Model"), query.field("customer", "Customer"),
            ],
            headers: [
                query.header("Serial", UnitColumn.serial, order: order), query.header("Model", UnitColumn.model, order: order),
                query.header("Status", UnitColumn.status, order: order), query.header("Customer", UnitColumn.customer, order: order),
                query.header("Site", UnitColumn?.none, order: order), query.header("Warranty end", UnitColumn.warranty, order: order),
            ],
            rows: rows, pager: query.pager(total: listing.total, shown: rows.count))
    }

    static func customers(_ listing: Listing<CustomerSummary>, query: ListQuery, order: ListOrder<CustomerColumn>, database: DepotDatabase)
        -> ListPage
    {
        let rows = listing.items.map { c in
            ListPage.Row(
                "customer-\(c.key)",
                [
                    Cell.record("customers", c.key), Cell(c.name), Cell(c.region), Cell(c.accountManager),
                    Cell(c.tier?.rawValue ?? "no active contract", tone: c.tier == nil ? "quiet" : nil),
                    Cell("units", href: "/units?customer=" + (KeyText(text: c.key).transform("path") as? String ?? "")),
                ])
        }
        return ListPage(
            title: "Customers", intro: "Every customer, by key unless sorted otherwise. Key or name: any part of either.", id: "customers",
            query: query,
            filters: [
                query.field("text", "Key or name"), query.select("region", "Region", regions(database)),
                query.field("manager", "Account manager"),
            ],
            headers: [
                query.header("Customer", CustomerColumn.key, order: order), query.header("Name", CustomerColumn.name, order: order),
                query.header("Region", CustomerColumn.region, order: order),
                query.header("Account manager", CustomerColumn.manager, order: order),
                query.header("Tier today", CustomerColumn?.none, order: order), query.header("Units", CustomerColumn?.none, order: order),
            ],
            rows: rows, pager: query.pager(total: listing.total, shown: rows.count))
    }
}
