import DepotCore
import DepotStore
import Foundation
import Mustache

/// A page's values for its template (`Templates/NAME.mustache`): one struct per page, built from the store's
/// query results, answering the template's names with a `switch` in `child(named:)`. Mustache reads them with no
/// reflection (Mirror) and no dictionary in between.
///
/// What a template looks up and does not find in the innermost values it looks up in the enclosing ones, up to the
/// page: a row's `{{number}}` can be the page's. An empty text answers as a missing one (`text(_:)`), so that
/// `{{#serial}}...{{/serial}}` shows nothing for a unit without one.
protocol PageModel: MustacheParent, Sendable {
    /// The template that shows the page.
    static var template: String { get }
    /// The page's title, in the browser's tab and as its heading.
    var title: String { get }
}

/// A text for a template: `nil` when it is empty, as if it were missing (see `PageModel`).
func text(_ value: String) -> String? {
    value.isEmpty ? nil : value
}

/// A text for a template: `nil` when it is missing or empty.
func text(_ value: String?) -> String? {
    value.flatMap(text)
}

/// A serial or a number for a template: `nil` when it is missing.
func text(_ value: (some Identifier)?) -> String? {
    value?.text
}

/// A key shown on a page that also goes into a link (a serial, a customer's key): `{{serial}}` shows it,
/// `{{path(serial)}}` is it percent-encoded as one path segment or query value, so that a serial such as `X1?2`,
/// `AB/1` or `ÄB#1` links to its own page. `nil` when missing or empty.
struct KeyText: MustacheCustomRenderable, MustacheTransformable, Sendable {
    let text: String

    var renderText: String { text }
    var isNull: Bool { false }

    func transform(_ name: String) -> Any? {
        name == "path" ? text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "" : nil
    }

    /// RFC 3986's unreserved characters: everything else is escaped, in a path segment and in a query value alike.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// A key for a template: `nil` when it is missing or empty.
func key(_ value: String?) -> KeyText? {
    guard let value, !value.isEmpty else { return nil }
    return KeyText(text: value)
}

/// A serial or number for a template that also links to it.
func key(_ value: (some Identifier)?) -> KeyText? {
    value.map { KeyText(text: $0.text) }
}

/// What the layout (`top.mustache`) shows around every page: the title and, for a signed-in user, the name, the
/// role and the session's CSRF token for the sign-out form. The page's own values answer every other name.
struct PageLayout<Page: PageModel>: MustacheParent {
    let page: Page
    let actor: ActingUser?
    let csrf: String?
    let flash: String?

    func child(named name: String) -> Any? {
        switch name {
        case "pageTitle": text(page.title)
        case "user" where actor != nil: text(actor?.user)
        case "role" where actor != nil: text(actor?.role.rawValue)
        case "csrf" where actor != nil: text(csrf)
        case "flash" where actor != nil: text(flash)
        default: page.child(named: name)
        }
    }
}
