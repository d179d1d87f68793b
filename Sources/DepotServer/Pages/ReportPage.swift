import DepotCore
import DepotReports
import Mustache

/// `/reports/{name}?as-of=&...&page=`: a page of a report's rows, a form of its filters, and the link to the same
/// report as CSV.
struct ReportPage: PageModel {
    static let template = "report"
    static let rowsPerPage = 500
    let report: Report
    let filters: [Filter]
    /// The CSV download of the same report and filters.
    let csv: String
    let table: ReportTableModel
    let pager: ListPage.Pager
    /// The satisfaction report's chart and latest comments (the `csat` page only).
    var satisfaction: Satisfaction?

    var title: String { report.title }

    /// The page of `report` run with `parameters`; `query` is the page address's query, which the CSV link keeps.
    init(_ report: Report, parameters: ReportParameters, query: String?, table: ReportTableModel, pager: ListPage.Pager) {
        self.report = report
        self.table = table
        self.pager = pager
        csv = "/reports/\(report.name).csv\(query.map { "?" + $0 } ?? "")"
        filters =
            [Filter(name: "as-of", value: parameters.asOf.description, type: "date")]
            + report.filters.map { filter in
                let value: String? =
                    switch filter {
                    case .customer: parameters.customer
                    case .region: parameters.region
                    case .accountManager: parameters.accountManager
                    case .withinDays: parameters.withinDays.map(String.init)
                    case .since: parameters.since?.description
                    case .engineer: parameters.engineer
                    }
                return Filter(
                    name: filter.rawValue, value: value ?? "", type: filter == .since ? "date" : filter == .withinDays ? "number" : "text")
            }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "name": text(report.name)
        case "summary": text(report.summary)
        case "audience": text(report.audience)
        case "filters": filters
        case "csv": text(csv)
        case "pager": pager
        case "listID": text("report")
        case "satisfaction": satisfaction
        default: table.child(named: name)
        }
    }

    /// A filter of the report as a field of the form, holding the value the page was run with.
    struct Filter: MustacheParent, Sendable {
        let name: String
        let value: String
        let type: String

        func child(named name: String) -> Any? {
            switch name {
            case "name": text(self.name)
            case "label": text(ReportTableModel.words(self.name))
            case "value": text(value)
            case "type": text(type)
            default: nil
            }
        }
    }
}

extension ReportPage {
    /// What the `csat` page shows besides its table: the chart by month and region and the latest comments.
    struct Satisfaction: MustacheParent, Sendable {
        let chart: String
        let comments: [Comment]

        /// From the `csat` report's rows and the `csat-responses` report's (the same filters): the answered ones
        /// with a comment, newest first, at most `limit`.
        init(csat: [[String]], responses: [[String]], limit: Int = 100) {
            chart = SatisfactionChart.svg(SatisfactionChart.groups(csat))
            comments = responses.filter { $0.count == 9 && !$0[6].isEmpty && !$0[8].isEmpty }.sorted { $0[6] > $1[6] }.prefix(limit)
                .map {
                    Comment(
                        caseNumber: $0[0], customer: $0[1], region: $0[2], engineer: $0[3], answeredAt: $0[6], score: $0[7], text: $0[8])
                }
        }

        func child(named name: String) -> Any? {
            switch name {
            case "chart": chart
            case "comments": comments
            case "hasComments": comments.isEmpty ? nil : true
            default: nil
            }
        }
    }

    struct Comment: MustacheParent, Sendable {
        let caseNumber, customer, region, engineer, answeredAt, score, text: String

        func child(named name: String) -> Any? {
            switch name {
            case "case": DepotServer.text(caseNumber)
            case "customer": DepotServer.text(customer)
            case "region": DepotServer.text(region)
            case "engineer": DepotServer.text(engineer.isEmpty ? "no owner" : engineer)
            case "answeredAt": DepotServer.text(answeredAt)
            case "score": DepotServer.text(score)
            case "text": DepotServer.text(text)
            default: nil
            }
        }
    }
}
