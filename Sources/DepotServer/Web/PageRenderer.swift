import DepotCore
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The HTML templates (`Templates/*.mustache`, every value escaped by `DepotHTML` unless written `{{{ }}}`) and how a
/// page is sent.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: String
    /// `depot.js`: sends the browser's time zone (see `PageTimes.viewer`).
    var script = ""

    /// Loads every template of the bundle's `Templates` folder; a missing or broken template stops the server at start.
    static func load() throws -> PageRenderer {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw DepotError.storage(path: "Templates", message: "the server's templates are missing from its resource bundle")
        }
        MustacheContentTypes.register(DepotHTML(), named: DepotHTML.name)
        var library = MustacheLibrary()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for name in names where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            // Every template escapes by byte (DepotHTML); partials too, since Mustache resets a partial's content type.
            try library.register(DepotHTML.pragma + "\n" + text, named: String(name.dropLast(".mustache".count)))
        }
        let stylesheet = try String(contentsOf: folder.appendingPathComponent("depot.css"), encoding: .utf8)
        let script = try String(contentsOf: folder.appendingPathComponent("depot.js"), encoding: .utf8)
        return PageRenderer(library: library, stylesheet: stylesheet, script: script)
    }

    /// The page in its layout (title, navigation, search box, the signed-in user), as HTML.
    func render<Page: PageModel>(_ page: Page, context: DepotRequestContext, status: HTTPResponse.Status = .ok) -> Response {
        let layout = PageLayout(page: page, actor: context.actor, csrf: context.csrfToken, flash: context.flash)
        let html = library.render(layout, withTemplate: Page.template) ?? "template \(Page.template) is missing"
        return Self.html(html, status: status)
    }

    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'"
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
