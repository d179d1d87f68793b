import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The list pages: `/cases`, `/rmas`, `/units`, `/customers`. Each filters, sorts by its columns and pages through
/// everything that matches, with all of it in the address (`ListQuery`).
struct ListPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("cases", use: cases)
        router.get("rmas", use: rmas)
        router.get("units", use: units)
        router.get("customers", use: customers)
    }

    @Sendable func cases(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try ListQuery(
            request, path: "/cases", names: ["status", "priority", "region", "customer", "sla", "owner", "unassigned"])
        // `status=unresolved`: every case not yet resolved (the support view's "all open cases").
        let open = query.text("status")?.lowercased() == "unresolved"
        let filter = CaseFilter(
            customer: query.text("customer"), status: open ? nil : try query.choice("status", as: CaseStatus.self),
            priority: try query.choice("priority", as: Priority.self), region: try query.region(in: pages.database.policy),
            unresolvedOnly: open,
            sla: try query.choice("sla", as: SLAState.self), owner: query.text("owner"),
            unassigned: query.text("unassigned")?.lowercased() == "yes")
        let order = try query.order(ListOrder(CaseColumn.opened, descending: true))
        return try await pages.page(context) { database, now in
            let listing = try database.caseListing(filter, order: order, now: now, limit: ListQuery.perPage, offset: query.offset)
            try query.checkPage(total: listing.total)
            return ListPages.cases(listing, query: query, order: order, database: database, now: now)
        }
    }

    @Sendable func rmas(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try ListQuery(request, path: "/rmas", names: ["state", "path", "region", "customer", "overdue"])
        let open = query.text("state")?.lowercased() == "open"
        let overdue = try WorkflowController.flag(query.form, "overdue", emptyIsAbsent: true)
        let filter = RMAFilter(
            state: open ? nil : try query.choice("state", as: RMAState.self), path: try query.choice("path", as: RMAPath.self),
            customer: query.text("customer"), openOnly: open, overdueOnly: overdue)
        let order = try query.order(ListOrder(RMAColumn.number, descending: true))
        let region = try query.region(in: pages.database.policy)
        return try await pages.page(context) { database, now in
            let listing = try database.rmaListing(
                filter, region: region, order: order, now: now, limit: ListQuery.perPage, offset: query.offset)
            try query.checkPage(total: listing.total)
            return ListPages.rmas(listing, query: query, order: order, database: database, now: now)
        }
    }

    @Sendable func units(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try ListQuery(request, path: "/units", names: ["serial", "status", "model", "customer"])
        let filter = UnitFilter(
            status: try query.choice("status", as: ApplianceStatus.self), model: query.text("model"), customer: query.text("customer"),
            serialContains: query.text("serial"))
        let order = try query.order(ListOrder(UnitColumn.serial))
        return try await pages.page(context) { database, now in
            let listing = try database.unitListing(filter, order: order, limit: ListQuery.perPage, offset: query.offset)
            try query.checkPage(total: listing.total)
            return ListPages.units(listing, query: query, order: order, database: database, now: now)
        }
    }

    @Sendable func customers(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = try ListQuery(request, path: "/customers", names: ["text", "region", "manager"])
        let filter = CustomerFilter(
            text: query.text("text"), region: try query.region(in: pages.database.policy), accountManager: query.text("manager"))
        let order = try query.order(ListOrder(CustomerColumn.key))
        return try await pages.page(context) { database, now in
            let listing = try database.customerListing(filter, order: order, now: now, limit: ListQuery.perPage, offset: query.offset)
            try query.checkPage(total: listing.total)
            return ListPages.customers(listing, query: query, order: order, database: database)
        }
    }
}
