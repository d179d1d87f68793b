import DepotCore
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The HTML templates (`Templates/*.mustache`, escaping on by default) and how a page is sent.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: String

    /// Loads every template of the bundle's `Templates` folder; a missing or broken template stops the server at start.
    static func load() throws -> PageRenderer {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw DepotError.storage(path: "Templates", message: "the server's templates are missing from its resource bundle")
        }
        var library = MustacheLibrary()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for name in names where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        let stylesheet = try String(contentsOf: folder.appendingPathComponent("depot.css"), encoding: .utf8)
        return PageRenderer(library: library, stylesheet: stylesheet)
    }

    /// Renders `template` with the page's own values and the layout's (user, role, CSRF token, navigation).
    func render(
        _ template: String, title: String, context: DepotRequestContext, status: HTTPResponse.Status = .ok,
        _ values: [String: Any] = [:]
    ) -> Response {
        var all = values
        all["pageTitle"] = title
        if let actor = context.actor {
            all["user"] = actor.user
            all["role"] = actor.role.rawValue
            all["csrf"] = context.csrfToken ?? ""
        }
        let html = library.render(Self.compact(all), withTemplate: template) ?? "template \(template) is missing"
        return Self.html(html, status: status)
    }

    /// Drops empty texts from the values, at every depth: Mustache counts an empty string as present, and
    /// `{{#serial}}...{{/serial}}` should show nothing for a unit without one.
    static func compact(_ values: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in values {
            switch value {
            case let text as String where text.isEmpty: continue
            case let nested as [String: Any]: out[key] = compact(nested)
            case let list as [[String: Any]]: out[key] = list.map(compact)
            default: out[key] = value
            }
        }
        return out
    }

    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A redirect after a form (303: the browser follows with GET).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy`, which swift-http-types does not name.
    static let referrerPolicy: Self = {
        guard let name = Self("Referrer-Policy") else { preconditionFailure("Referrer-Policy is a valid field name") }
        return name
    }()
}
