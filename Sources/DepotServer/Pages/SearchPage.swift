import DepotStore
import Mustache

/// `/search?q=`: what the search box found when more than one record (or none) has the text in its key or name:
/// the records by kind, each a link to its page; "nothing found" (404) with the search box to try again.
struct SearchPage: PageModel {
    static let template = "search"
    let query: String
    let results: SearchResults
    /// How many of each kind the page lists.
    static let limit = 20

    var title: String { results.count == 0 ? "Nothing found" : "Search results" }

    func child(named name: String) -> Any? {
        switch name {
        case "query": text(query)
        case "found": results.count > 0
        case "count": results.count
        case "cut": !results.more.isEmpty
        case "limit": Self.limit
        case "sections": sections
        default: nil
        }
    }

    private var sections: [Section] {
        let q = KeyText(text: query).transform("path") as? String ?? ""
        return [
            Section(
                id: "found-units", heading: "Units", kind: "units", hits: results.units,
                more: results.more.contains("appliance") ? "/units?serial=\(q)" : nil),
            Section(
                id: "found-cases", heading: "Cases", kind: "cases", hits: results.cases,
                more: nil),
            Section(
                id: "found-rmas", heading: "RMAs", kind: "rmas", hits: results.rmas, more: nil),
            Section(
                id: "found-customers", heading: "Customers", kind: "customers", hits: results.customers,
                more: results.more.contains("customer") ? "/customers?text=\(q)" : nil),
        ].filter { !$0.hits.isEmpty }
    }

    struct Section: MustacheParent, Sendable {
        let id: String
        let heading: String
        let kind: String
        let hits: [SearchResults.Hit]
        /// The list page with all of them, when there are more than the page shows.
        let more: String?

        func child(named name: String) -> Any? {
            switch name {
            case "sectionID": text(id)
            case "heading": text(heading)
            case "hits": hits.map { Hit(href: WebPaths.record(kind, $0.key), key: $0.key, detail: $0.detail) }
            case "more": text(more)
            default: nil
            }
        }
    }

    struct Hit: MustacheParent, Sendable {
        let href: String
        let key: String
        let detail: String

        func child(named name: String) -> Any? {
            switch name {
            case "hitHref": text(href)
            case "hitKey": text(key)
            case "hitDetail": text(detail)
            default: nil
            }
        }
    }
}
