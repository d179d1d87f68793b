import DepotServer
import DepotTestSupport
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("the document's paths and methods are exactly the router's API routes, and it is served")
    func documentMatchesRoutes() async throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let depot = try TestDepot.empty()
        let router = try buildRouter(database: depot.database)
        // Hummingbird writes a captured segment as `:name`; OpenAPI as `{name}`. The web UI's pages are not API.
        let api = router.routes.filter { route in
            let path = "/" + route.path.description.split(separator: "/").joined(separator: "/")
            return path.hasPrefix("/api/") || path == "/healthz" || path == "/metrics"
        }
        let routed = Set(
            api.map { route in
                "\(route.method) /"
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                        separator: "/")
            })
        #expect(documented == routed, "only documented: \(documented.subtracting(routed)); only routed: \(routed.subtracting(documented))")
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == OpenAPIDocument.yaml)
            }
        }
    }
}
