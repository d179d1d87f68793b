import Mustache

/// An error as a page: its status, its message and its code, with a way back.
struct ErrorPage: PageModel {
    static let template = "error"
    let title: String
    let status: Int
    let message: String
    let code: String
    /// The page of the record the failed request was about (`/rmas/RMA-2026-000017`), to go back to.
    var back: String?

    func child(named name: String) -> Any? {
        switch name {
        case "status": status
        case "message": text(message)
        case "code": text(code)
        case "back": text(back)
        default: nil
        }
    }
}
