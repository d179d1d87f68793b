import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// What every page controller works with: the store, the templates and the clock.
struct PageEnvironment: Sendable {
    let database: DepotDatabase
    let renderer: PageRenderer
    let now: @Sendable () -> Instant

    /// Renders the page `read` makes from the database at the current time, both on the thread pool (the store's
    /// reads block).
    func page<Page: PageModel>(
        _ context: DepotRequestContext, status: HTTPResponse.Status = .ok,
        _ read: @escaping @Sendable (DepotDatabase, Instant) throws -> Page
    ) async throws -> Response {
        let (database, renderer, at) = (database, renderer, now())
        return try await ThreadPool.run { renderer.render(try read(database, at), context: context, status: status) }
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
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }

    /// A path with its segments percent-encoded (keys and serials may hold any character).
    static func encoded(_ path: String) -> String {
        path.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#"])) ?? String($0)
        }
        .reduce("") { $0 + "/" + $1 }
    }
}
