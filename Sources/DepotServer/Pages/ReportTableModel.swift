import DepotReports
import Mustache

/// A report's first rows as the `table` partial shows them, copied out of the report run.
struct ReportTableModel: MustacheParent, Sendable {
    /// A row of cells, shown as they are (an empty cell is an empty `<td>`); a record's key links to its page.
    struct Row: MustacheParent, Sendable {
        let cells: [ListPage.Cell]

        func child(named name: String) -> Any? { name == "cells" ? cells : nil }
    }

    let columns: [String]
    let rows: [Row]
    let total: Int
    /// Whether a pager says where the rows stand (a report's own page), instead of the table.
    let paged: Bool

    init(_ table: ReportTable, paged: Bool = false) {
        self.paged = paged
        columns = table.columns.map(Self.words)
        let kinds = table.columns.map { Self.linked[$0] }
        rows = table.rows.map { cells in
            Row(
                cells: cells.enumerated().map { index, text in
                    guard index < kinds.count, let kind = kinds[index], !text.isEmpty else { return ListPage.Cell(text) }
                    return ListPage.Cell.record(kind, text)
                })
        }
        total = table.total
    }

    /// The columns whose values are a record's key, and the kind of page each links to.
    private static let linked = ["serial": "units", "replacement": "units", "customer": "customers", "case": "cases", "rma": "rmas"]

    func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "rows": rows
        case "total": total
        case "shown": rows.count
        case "truncated": !paged && total > rows.count
        case "empty": total == 0
        default: nil
        }
    }
}

extension ReportTableModel {
    /// Words for a report's column or filter name (`open_rmas_needing`, `as-of`): the CSV keeps the names, which are a
    /// contract; a page shows these.
    static func words(_ name: String) -> String {
        if let special = special[name] { return special }
        let parts = name.split(whereSeparator: { $0 == "_" || $0 == "-" }).map { part -> String in
            acronyms[String(part)] ?? String(part)
        }
        guard let first = parts.first else { return name }
        return ([first.prefix(1).uppercased() + first.dropFirst()] + parts.dropFirst()).joined(separator: " ")
    }

    private static let acronyms = ["rma": "RMA", "rmas": "RMAs", "sla": "SLA", "id": "ID"]
    private static let special = [
        "open_rmas_needing": "Open RMAs needing one", "defects_per_1000_unit_months": "Defects per 1,000 unit-months",
        "unit_months": "Unit-months", "waited_hours": "Hours waited", "days_left": "Days left", "days_overdue": "Days overdue",
        "as-of": "As of", "within-days": "Within days", "maintained_until": "Supported until", "units_in_service": "Units in service",
        "contract_tier": "Contract tier", "contract_end": "Contract ends", "warranty_end": "Warranty ends",
    ]
}
