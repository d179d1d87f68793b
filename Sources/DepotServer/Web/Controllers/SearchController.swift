import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The search box of every page: `GET /search?q=` jumps to a unit (what a barcode scanner types), a case, an RMA
/// or a customer named exactly; otherwise it looks for the text in serials, numbers, customer keys and names, and
/// jumps to the one record found or lists them all (`SearchPage`; 404 when there is none).
struct SearchController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("search", use: search)
    }

    @Sendable func search(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = (try request.queryForm().get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else {
            throw APIError(status: .badRequest, code: "invalid", message: "type a serial number, a case or RMA number, or a customer")
        }
        let upper = query.uppercased()
        let (database, now) = (pages.database, pages.now)
        let day = now().utcDate
        let target: String? = try await ThreadPool.run {
            // Only "no such record" means "look further": any other error (an unreadable stored value) is shown.
            func found<T>(_ lookup: () throws -> T) throws -> T? {
                do { return try lookup() } catch DepotError.notFound { return nil }
            }
            if let number = CaseNumber(upper), try found({ try database.caseDetail(number, now: Instant(utcDate: day)) }) != nil {
                return WebPaths.record("cases", number.text)
            }
            if let number = RMANumber(upper), try found({ try database.rmaDetail(number, now: Instant(utcDate: day)) }) != nil {
                return WebPaths.record("rmas", number.text)
            }
            if let serial = Serial(query), let unit = try found({ try database.unitDetail(serial) }) {
                return WebPaths.record("units", unit.serial.text)
            }
            if let customer = try found({ try database.customerDetail(query, at: now()) }) {
                return WebPaths.record("customers", customer.key)
            }
            return nil
        }
        if let target { return PageRenderer.redirect(target) }
        let results = try await ThreadPool.run { try database.search(query, limit: SearchPage.limit) }
        if results.count == 1, results.more.isEmpty {
            let only =
                results.units.first.map { WebPaths.record("units", $0.key) } ?? results.cases.first.map { WebPaths.record("cases", $0.key) }
                ?? results.rmas.first.map { WebPaths.record("rmas", $0.key) }
                ?? results.customers.first.map { WebPaths.record("customers", $0.key) }
            if let only { return PageRenderer.redirect(only) }
        }
        return pages.render(SearchPage(query: query, results: results), context: context, status: results.count == 0 ? .notFound : .ok)
    }
}
