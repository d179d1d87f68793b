import DepotCore
import DepotStore
import Foundation
import Mustache

/// A list page (`list.mustache`: cases, RMAs, units, customers): a filter form whose fields are in the address, a
/// table whose headers sort it, one page of rows and the links to the pages around it. No list is cut silently:
/// the pager says how many match in all.
struct ListPage: PageModel {
    static let template = "list"
    let title: String
    /// What the list shows, in a sentence.
    let intro: String
    /// The table's id (`cases`), also the name of what it lists.
    let id: String
    let query: ListQuery
    let filters: [Filter]
    let headers: [Header]
    let rows: [Row]
    let pager: Pager
    /// A link above the list (`Open a case`).
    var action: (label: String, href: String)?

    func child(named name: String) -> Any? {
        switch name {
        case "intro": text(intro)
        case "listID": text(id)
        case "path": text(query.path)
        case "filters": filters
        case "sort": text(query.values["sort"])
        case "dir": text(query.values["dir"])
        case "headers": headers
        case "rows": rows
        case "hasRows": !rows.isEmpty
        case "pager": pager
        case "filtered": query.values.keys.contains { $0 != "sort" && $0 != "dir" }
        case "actionLabel": text(action?.label)
        case "actionHref": text(action?.href)
        default: nil
        }
    }

    struct Filter: MustacheParent, Sendable {
        let name: String
        let label: String
        let value: String
        /// A select's options; `nil` for a text field.
        let options: [SelectOption]?

        func child(named name: String) -> Any? {
            switch name {
            case "filterName": text(self.name)
            case "filterLabel": text(label)
            case "filterValue": text(value)
            case "options": options
            case "isSelect": options != nil
            default: nil
            }
        }
    }

    struct Header: MustacheParent, Sendable {
        let label: String
        /// The link that sorts by the column; `nil` for a column that does not sort.
        let href: String?
        /// `ascending` or `descending` when the list is sorted by it (`aria-sort`).
        let sorted: String?

        func child(named name: String) -> Any? {
            switch name {
            case "headerLabel": text(label)
            case "headerHref": text(href)
            case "sorted": text(sorted)
            case "arrow": sorted.map { $0 == "ascending" ? "▲" : "▼" }
            default: nil
            }
        }
    }

    /// A row: its cells, an id to come back to (`case-CS-2026-000001`), marked when late.
    struct Row: MustacheParent, Sendable {
        let rowID: String
        let late: Bool
        let cells: [Cell]

        init(_ rowID: String, late: Bool = false, _ cells: [Cell]) {
            self.rowID = rowID
            self.late = late
            self.cells = cells
        }

        func child(named name: String) -> Any? {
            switch name {
            case "rowID": text(rowID)
            case "late": late
            case "cells": cells
            default: nil
            }
        }
    }

    /// A cell: its text, linked when `href` is set, a colour (`tone`) and a second line (`note`).
    struct Cell: MustacheParent, Sendable {
        let text: String
        var href: String?
        var tone: String?
        var note: String?

        init(_ text: String, href: String? = nil, tone: String? = nil, note: String? = nil) {
            self.text = text
            self.href = href
            self.tone = tone
            self.note = note
        }

        /// A record's key linking to its page (`/units/ACME-1`), the customer's name as its second line when given.
        static func record(_ kind: String, _ key: String?, note: String? = nil) -> Cell {
            guard let key, !key.isEmpty else { return Cell("") }
            return Cell(key, href: WebPaths.record(kind, key), note: note)
        }

        func child(named name: String) -> Any? {
            switch name {
            case "cellText": DepotServer.text(text)
            case "cellHref": DepotServer.text(href)
            case "cellTone": DepotServer.text(tone)
            case "cellNote": DepotServer.text(note)
            default: nil
            }
        }
    }

    struct Pager: MustacheParent, Sendable {
        let first: Int
        let last: Int
        let total: Int
        let page: Int
        let pages: Int
        let previous: String?
        let next: String?

        func child(named name: String) -> Any? {
            switch name {
            case "first": first
            case "last": last
            case "total": total
            case "page": page
            case "pages": pages
            case "previous": text(previous)
            case "next": text(next)
            case "several": pages > 1
            case "any": total > 0
            default: nil
            }
        }
    }
}
