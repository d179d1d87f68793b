import Foundation

/// The OpenAPI 3.1 document of the API, `OpenAPI/openapi.yaml` in this module's resources, served at
/// `/api/openapi.yaml`. Tests keep its paths equal to the router's routes and check every API response they receive
/// against its schemas; `Scripts/test` fuzzes the server against it with schemathesis.
public enum OpenAPIDocument {
    public static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "OpenAPI"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { preconditionFailure("the OpenAPI document is missing from DepotServer's resources") }
        return text
    }()
}
