import Foundation
import Hummingbird

/// The message that tells the user what an action did, carried across the redirect after a form in a short-lived
/// cookie and shown once at the top of the next page (then cleared). Only the server sets it (HttpOnly, SameSite),
/// and the page escapes it like every other text.
enum Flash {
    static let cookieName = "depot_flash"
    /// Longer messages are cut: a cookie is not the place for a report.
    static let maxLength = 300

    /// A redirect to `location` that shows `message` there.
    static func redirect(_ location: String, _ message: String, secure: Bool) -> Response {
        var response = PageRenderer.redirect(location)
        let value = String(message.prefix(maxLength)).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        response.setCookie(
            Cookie(name: cookieName, value: value, maxAge: 120, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The message a request carries, if any.
    static func message(of request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, !value.isEmpty else { return nil }
        return value.removingPercentEncoding.map { String($0.prefix(maxLength)) }
    }

    /// `response` with the message cleared once a page has shown it (a redirect that sets a new one keeps that).
    static func cleared(_ response: Response, secure: Bool) -> Response {
        guard response.status.kind != .redirection, response.headers[.contentType]?.hasPrefix("text/html") == true else { return response }
        var response = response
        response.setCookie(Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }
}
