import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// What every page controller works with: the store, the templates, the clock and the password checks.
struct PageEnvironment: Sendable {
    let database: DepotDatabase
    let renderer: PageRenderer
    let now: @Sendable () -> Instant
    /// Whether cookies are sent only over HTTPS (`depot serve --secure-cookies`).
    var secureCookies = false
    /// Where passwords and after-hours PINs are checked, a bounded number at once.
    let passwordChecks: PasswordChecks

    /// Renders the page `read` makes from the database at the current time, both on the thread pool (the store's
    /// reads block).
    func page<Page: PageModel>(
        _ context: DepotRequestContext, status: HTTPResponse.Status = .ok,
        _ read: @escaping @Sendable (DepotDatabase, Instant) throws -> Page
    ) async throws -> Response {
        let (database, renderer, at) = (database, renderer, now())
        return try await ThreadPool.run {
            try PageTimes.$viewer.withValue(context.viewerZone) {
                renderer.render(try read(database, at), context: context, status: status)
            }
        }
    }

    /// The answer to a form that did its work: back to `location`, which shows `message` once at its top.
    func done(_ location: String, _ message: String) -> Response {
        Flash.redirect(location, message, secure: secureCookies)
    }

    /// Renders a page that needs no reads.
    func render<Page: PageModel>(_ page: Page, context: DepotRequestContext, status: HTTPResponse.Status = .ok) -> Response {
        renderer.render(page, context: context, status: status)
    }
}

/// The paths pages link and redirect to.
enum WebPaths {
    /// The page each role starts on.
    static func home(of role: Role) -> String {
        switch role {
        case .supportEngineer, .admin: "/support"
        case .logistics: "/logistics"
        case .accountManager: "/accounts"
        }
    }

    /// `next` if it is a path of this site, else `nil`: only those are followed after a form (no open redirect).
    /// Browsers drop tabs and line breaks from an address and read `\` as `/`, so `/<TAB>/evil.example` would be
    /// `//evil.example`: a path with a control character, a space or a backslash anywhere is refused, as is one
    /// whose second character makes it an address of another host.
    /// The same holds for the path once and twice percent-decoded (`/%09/evil.example`, `/%2509/...`), and it must
    /// parse as a path alone: no scheme, no host.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/") else { return nil }
        var forms = [next]
        while forms.count < 3, let decoded = forms.last?.removingPercentEncoding, decoded != forms.last { forms.append(decoded) }
        for form in forms {
            let bytes = Array(form.utf8)
            guard bytes.first == UInt8(ascii: "/"),
                !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") })
            else { return nil }
            if bytes.count > 1, bytes[1] == UInt8(ascii: "/") { return nil }
        }
        guard let parsed = URLComponents(string: next), parsed.scheme == nil, parsed.host == nil else { return nil }
        return next
    }

    /// A path with its segments percent-encoded (keys and serials may hold any character).
    /// The page of a record by its key, the key escaped as one path segment (a serial may hold `/`, `?`, `#`).
    static func record(_ kind: String, _ key: String) -> String {
        "/\(kind)/" + (KeyText(text: key).transform("path") as? String ?? "")
    }

    static func encoded(_ path: String) -> String {
        path.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#"])) ?? String($0)
        }
        .reduce("") { $0 + "/" + $1 }
    }
}
