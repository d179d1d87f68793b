import DepotReports
import Mustache

/// A report's first rows as the `table` partial shows them, copied out of the report run.
struct ReportTableModel: MustacheParent, Sendable {
    /// A row of cells, shown as they are (an empty cell is an empty `<td>`).
    struct Row: MustacheParent, Sendable {
        let cells: [String]

        func child(named name: String) -> Any? { name == "cells" ? cells : nil }
    }

    let columns: [String]
    let rows: [Row]
    let total: Int

    init(_ table: ReportTable) {
        columns = table.columns
        rows = table.rows.map(Row.init)
        total = table.total
    }

    func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "rows": rows
        case "total": total
        case "shown": rows.count
        case "truncated": total > rows.count
        case "empty": total == 0
        default: nil
        }
    }
}
