import HTTPTypes
import Hummingbird

/// The router's paths and the methods each answers, to tell an address the server has from one it does not: a method
/// a path does not answer is 405 with `Allow`, not 404 (pages, the API, /healthz and /metrics alike). Built from the
/// router's own list once its routes are added; the API's are the OpenAPI document's (a test keeps them equal).
struct RouteMethods: Sendable {
    /// Each route's segments (a captured `{name}` as nil: any one non-empty segment) and its methods.
    private let templates: [(segments: [String?], methods: Set<HTTPRequest.Method>)]

    init(_ routes: [Router<DepotRequestContext>.RouteDescription]) {
        var byPath: [[String?]: Set<HTTPRequest.Method>] = [:]
        for route in routes {
            let segments = route.path.description.split(separator: "/").map { segment -> String? in
                (segment.hasPrefix("{") && segment.hasSuffix("}")) || segment == "*" ? nil : String(segment)
            }
            byPath[segments, default: []].insert(route.method)
        }
        templates = byPath.map { ($0.key, $0.value) }
    }

    /// The methods the router answers on `path` (empty when it has no such path), HEAD wherever GET is
    /// (`HeadRequests`), in name order.
    func methods(on path: String) -> [HTTPRequest.Method] {
        let parts = path == "/" ? [] : Array(path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
        var found: Set<HTTPRequest.Method> = []
        for template in templates where template.segments.count == parts.count {
            let matches = zip(template.segments, parts).allSatisfy { segment, part in segment.map { $0 == part } ?? !part.isEmpty }
            if matches { found.formUnion(template.methods) }
        }
        if found.contains(.get) { found.insert(.head) }
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}
