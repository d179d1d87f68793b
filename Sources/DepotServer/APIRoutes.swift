import Foundation
import HTTPTypes
import Yams

/// The API's paths and their methods as the OpenAPI document declares them, to tell an address the API has from one
/// it does not: a method the document does not list on a path it does is 405 with `Allow`, not 404. The tests keep
/// the document's paths equal to the router's routes, so the document is the one list.
struct APIRoutes: Sendable {
    /// Each path template's segments (`{number}` as nil: any one segment) and the methods declared on it.
    private let templates: [(segments: [String?], methods: [HTTPRequest.Method])]

    static let document = APIRoutes(yaml: OpenAPIDocument.yaml)

    init(yaml: String) {
        let paths = ((try? Yams.load(yaml: yaml)) as? [String: Any])?["paths"] as? [String: Any] ?? [:]
        templates = paths.sorted { $0.key < $1.key }.map { path, item in
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String? in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : String(segment)
            }
            let declared = (item as? [String: Any] ?? [:]).keys.compactMap { HTTPRequest.Method($0.uppercased()) }
            return (segments, declared.sorted { $0.rawValue < $1.rawValue })
        }
    }

    /// The methods the document declares on `path` (empty when it has no such path). A path parameter matches one
    /// non-empty segment; HEAD is answered wherever GET is (`HeadRequestMiddleware`).
    func methods(on path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var found: Set<HTTPRequest.Method> = []
        for template in templates where template.segments.count == parts.count {
            let matches = zip(template.segments, parts).allSatisfy { segment, part in
                segment.map { $0 == part } ?? !part.isEmpty
            }
            if matches { found.formUnion(template.methods) }
        }
        if found.contains(.get) { found.insert(.head) }
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}
