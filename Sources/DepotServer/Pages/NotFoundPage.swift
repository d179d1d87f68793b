import Mustache

/// The page of an address that is no page (404), with the layout's navigation and search box for a signed-in user
/// and a way to sign in for anyone else.
struct NotFoundPage: PageModel {
    static let template = "not-found"
    let title = "Page not found"
    /// The address's path, as asked for.
    let path: String

    func child(named name: String) -> Any? {
        name == "path" ? text(path) : nil
    }
}
