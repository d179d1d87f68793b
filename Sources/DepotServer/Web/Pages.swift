import DepotCore
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The HTML templates (`Templates/*.mustache`, escaping on by default) and how a page is sent.
struct Pages: Sendable {
    let library: MustacheLibrary
    let stylesheet: String

    /// Loads every template of the bundle's `Templates` folder; a missing or broken template stops the server at start.
    static func load() throws -> Pages {
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
        return Pages(library: library, stylesheet: stylesheet)
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

/// How pages show times and durations.
enum Format {
    /// `2026-11-24 10:00 (America/New_York)`: an instant in a zone, with the zone's name.
    static func local(_ instant: Instant?, zone: TimeZone) -> String {
        guard let instant else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch)))
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)) (\(zone.identifier))"
    }

    /// `812 bytes`, `4.2 kB`, `3.1 MB` (decimal units, as the upload limit is given).
    static func bytes(_ n: Int64) -> String {
        if n < 1000 { return "\(n) bytes" }
        if n < 1_000_000 { return "\(n / 1000).\(n % 1000 / 100) kB" }
        return "\(n / 1_000_000).\(n % 1_000_000 / 100_000) MB"
    }

    static func duration(_ seconds: Int64, business: Bool = false) -> String {
        DurationText.of(seconds: seconds, business: business)
    }

    /// The live response-SLA state of a case: time left (in business time when the threshold counts it) or how long ago it broke.
    static func sla(state: SLAState?, left: TimeLeft?) -> (text: String, tone: String) {
        switch state {
        case nil: return ("no SLA", "quiet")
        case .met?: return ("met", "good")
        case .breached?:
            guard let left, left.seconds < 0 else { return ("breached", "bad") }
            return ("breached \(duration(-left.seconds)) ago", "bad")
        case .pending?:
            guard let left else { return ("pending", "warn") }
            return (
                "\(duration(left.seconds, business: left.business)) \(left.business ? "business time " : "")left",
                left.seconds < 3600 ? "warn" : "good"
            )
        }
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy`, which swift-http-types does not name.
    static let referrerPolicy: Self = {
        guard let name = Self("Referrer-Policy") else { preconditionFailure("Referrer-Policy is a valid field name") }
        return name
    }()
}
