import DepotReports
import Mustache

/// `/reports`: every report, whom it is for and what it lists.
struct ReportsPage: PageModel {
    static let template = "reports"
    let title = "Reports"

    /// A report of the list.
    struct Entry: MustacheParent, Sendable {
        let report: Report

        func child(named name: String) -> Any? {
            switch name {
            case "name": text(report.name)
            case "title": text(report.title)
            case "audience": text(report.audience)
            case "summary": text(report.summary)
            default: nil
            }
        }
    }

    private static let reports = ReportCatalog.all.map(Entry.init)

    func child(named name: String) -> Any? {
        name == "reports" ? Self.reports : nil
    }
}
