import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// A list page's address: its filters, `sort` and `dir`, and `page`, all in the query string so that a view can be
/// bookmarked or shared. Values are trimmed; a value a filter does not know is a 400 that names the filter.
struct ListQuery: Sendable {
    /// The list's path (`/cases`).
    let path: String
    /// The filters, sort and direction given (blank ones dropped).
    let values: [String: String]
    /// The query string as sent, for the readers the API shares (`WorkflowController.flag`).
    let form: Form
    /// 1 for the first page.
    let page: Int
    static let perPage = 50
    /// Rows per page of this list.
    let rowsPerPage: Int
    /// The query parameter of the page (`page`; `to-ship-page` for one of several lists on a page).
    let pageParameter: String
    /// Where the list's links land on their page (`to-ship`), `nil` for the top.
    let fragment: String?

    init(
        _ request: Request, path: String, names: Set<String>, rowsPerPage: Int = ListQuery.perPage, pageParameter: String = "page",
        fragment: String? = nil
    ) throws {
        self.rowsPerPage = rowsPerPage
        self.pageParameter = pageParameter
        self.fragment = fragment
        let form = try request.queryForm()
        self.path = path
        var values: [String: String] = [:]
        for name in names.union(["sort", "dir"]) {
            if let value = form.optional(name) { values[name] = value }
        }
        self.values = values
        self.form = form
        guard let page = Int(form.optional(pageParameter) ?? "1"), page >= 1, page <= 1_000_000 else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "\(pageParameter) must be a whole number from 1 to 1000000",
                field: pageParameter)
        }
        self.page = page
    }

    var offset: Int { (page - 1) * rowsPerPage }

    func text(_ name: String) -> String? { values[name] }

    /// A filter that must be one of an enumeration's values (`nil` when not given).
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = values[name] else { return nil }
        guard let value = T(rawValue: text) ?? T.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) else {
            throw APIError(
                status: .badRequest, code: "invalid",
                message: "\(name) \"\(text)\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", field: name)
        }
        return value
    }

    /// The sort asked for (`sort=COLUMN&dir=asc|desc`), else `fallback`.
    func order<C: RawRepresentable & CaseIterable & Sendable>(_ fallback: ListOrder<C>) throws -> ListOrder<C> where C.RawValue == String {
        let descending: Bool
        switch values["dir"]?.lowercased() {
        case nil, "asc": descending = false
        case "desc": descending = true
        case let other?:
            throw APIError(status: .badRequest, code: "invalid", message: "dir \"\(other)\" is not asc or desc", field: "dir")
        }
        guard let column = try choice("sort", as: C.self) else { return fallback }
        return ListOrder(column, descending: descending)
    }

    /// The region filter: one of the policy's regions in any letter case (its id), a 400 naming the known ones otherwise.
    func region(in policy: Policy) throws -> String? {
        guard let text = values["region"] else { return nil }
        let id = policy.regionID(typed: text)
        guard policy.regions.contains(where: { $0.id == id }) else {
            throw APIError(
                status: .badRequest, code: "invalid",
                message: "region \"\(text)\" is not one of \(policy.regions.map(\.id).joined(separator: ", "))", field: "region")
        }
        return id
    }

    /// This list's address with `changes` made (a `nil` value removes the field); the page goes back to the first
    /// unless `changes` sets it. Fields in a fixed order, so that the same view has the same address.
    func href(_ changes: [String: String?] = [:]) -> String {
        var fields = values
        for (name, value) in changes { fields[name] = value }
        let query = fields.sorted { $0.key < $1.key }.map { name, value in
            "\(Self.escape(name))=\(Self.escape(value))"
        }
        return (query.isEmpty ? path : path + "?" + query.joined(separator: "&")) + (fragment.map { "#" + $0 } ?? "")
    }

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The header of a column: a link that sorts by it (the other way round when it already does).
    func header<C: RawRepresentable & Sendable>(_ label: String, _ column: C?, order: ListOrder<C>) -> ListPage.Header
    where C.RawValue == String {
        guard let column else { return ListPage.Header(label: label, href: nil, sorted: nil) }
        let current = order.column.rawValue == column.rawValue
        let descending = current ? !order.descending : false
        return ListPage.Header(
            label: label, href: href(["sort": column.rawValue, "dir": descending ? "desc" : "asc", "page": nil]),
            sorted: current ? (order.descending ? "descending" : "ascending") : nil)
    }

    /// A page past the last one is a 404 that says how many there are (page 1 of an empty list is the empty list).
    func checkPage(total: Int) throws {
        let pages = max(1, (total + rowsPerPage - 1) / rowsPerPage)
        guard page > pages else { return }
        throw APIError(
            status: .notFound, code: "not-found",
            message: "there is no page \(page): the list has \(pages) page\(pages == 1 ? "" : "s") (\(total) records)",
            field: pageParameter)
    }

    /// Where the list stands: "51–100 of 432", and the links to the pages before and after.
    func pager(total: Int, shown: Int) -> ListPage.Pager {
        let pages = max(1, (total + rowsPerPage - 1) / rowsPerPage)
        return ListPage.Pager(
            first: shown == 0 ? 0 : offset + 1, last: offset + shown, total: total, page: page, pages: pages,
            previous: page > 1 ? href([pageParameter: page - 1 == 1 ? nil : String(page - 1)]) : nil,
            next: page < pages ? href([pageParameter: String(page + 1)]) : nil)
    }

    /// A select filter: "any" first, then `options` (value and label), the one asked for selected.
    func select(_ name: String, _ label: String, any: String = "any", _ options: [(String, String)]) -> ListPage.Filter {
        let chosen = values[name]?.lowercased()
        return ListPage.Filter(
            name: name, label: label, value: "",
            options: [SelectOption(value: "", label: any, selected: chosen == nil)]
                + options.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0.lowercased() == chosen) })
    }

    /// A text filter.
    func field(_ name: String, _ label: String) -> ListPage.Filter {
        ListPage.Filter(name: name, label: label, value: values[name] ?? "", options: nil)
    }
}
