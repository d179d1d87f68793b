import DepotReports
import DepotStore
import Hummingbird

/// The reports as pages, `/reports` and `/reports/{name}`, and as CSV downloads, `/reports/{name}.csv` (the API's
/// are `WorkflowController`'s).
struct ReportPagesController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("reports", use: reports)
        router.get("reports/:name", use: report)
    }

    @Sendable func reports(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        return pages.render(ReportsPage(), context: context)
    }

    /// `GET /reports/{name}`: the report as a page, 500 rows a page (`page=2`), its filters kept in the pages' links;
    /// `GET /reports/{name}.csv`: the same report as CSV, every row.
    @Sendable func report(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let name = try context.parameters.require("name")
        let database = pages.database
        let (report, parameters) = try ReportRequest.parse(request, name: name, now: pages.now(), policy: database.policy)
        if name.hasSuffix(".csv") { return try await CSVDownload.response(report, parameters: parameters, database: database) }
        let query = try ListQuery(
            request, path: "/reports/\(report.name)", names: Set(["as-of"] + report.filters.map(\.rawValue)),
            rowsPerPage: ReportPage.rowsPerPage)
        let table = try await ThreadPool.run {
            ReportTableModel(
                try database.table(report, parameters: parameters, limit: query.rowsPerPage, offset: query.offset), paged: true)
        }
        try query.checkPage(total: table.total)
        var page = ReportPage(
            report, parameters: parameters, query: request.uri.query, table: table,
            pager: query.pager(total: table.total, shown: table.rows.count))
        if report.name == "csat" {
            page.satisfaction = try await ThreadPool.run {
                let csat = try database.table(report, parameters: parameters, limit: 5000)
                let responses = try database.table(ReportCatalog.named("csat-responses"), parameters: parameters, limit: 20_000)
                return ReportPage.Satisfaction(csat: csat.rows, responses: responses.rows)
            }
        }
        return pages.render(page, context: context)
    }
}
