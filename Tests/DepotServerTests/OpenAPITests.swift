import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import HTTPTypes
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

@Suite("Methods")
struct MethodTests {
    @Test("a method the document does not declare on an API path it has is 405 with Allow; HEAD answers as GET, bodiless")
    func methodNotAllowed() async throws {
        let server = try TestServer()
        try await server.run { client in
            for (method, uri, allow) in [
                (HTTPRequest.Method.delete, "/api/v1/units", "GET, HEAD"), (.put, "/api/v1/cases/C-2026-000001/respond", "POST"),
                (.patch, "/api/v1/cases", "GET, HEAD, POST"), (.post, "/api/openapi.yaml", "GET, HEAD"),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: server.auth(.admin))
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == allow, "\(method) \(uri): \(response.status)")
                #expect(try errorCode(response) == "method-not-allowed", "\(method) \(uri)")
            }
            // Pages too, with the not-found page.
            for (method, uri, allow) in [
                (HTTPRequest.Method.delete, "/support", "GET, HEAD"), (.put, "/cases/CS-2026-000001", "GET, HEAD"),
                (.delete, "/healthz", "GET, HEAD"), (.trace, "/metrics", "GET, HEAD"),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == allow, "\(method) \(uri): \(response.status)")
            }
            #expect(try await client.execute(uri: "/supports", method: .delete).status == .notFound)
            // A path the API does not have stays 404, whatever the method (a prefix of a real path, one segment more).
            for uri in ["/api/v1/unit", "/api/v1/units/X-1/history", "/api/v1/cases/C-2026-000001/respond/again"] {
                let response = try await client.execute(uri: uri, method: .delete, headers: server.auth(.admin))
                #expect(response.status == .notFound && response.headers[.allow] == nil, "\(uri)")
            }
            let get = try await client.execute(uri: "/api/v1/units", method: .get, headers: server.auth(.admin))
            let head = try await client.execute(uri: "/api/v1/units", method: .head, headers: server.auth(.admin))
            #expect(get.status == .ok && head.status == .ok && head.body.readableBytes == 0)
            #expect(
                head.headers[.contentLength] == String(get.body.readableBytes) && head.headers[.contentType] == get.headers[.contentType])
            #expect(try await client.execute(uri: "/api/v1/units", method: .head, headers: [:]).status == .unauthorized)
            #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
            // A streamed answer's HEAD promises no length (never 0 for a report that has rows).
            let report = try await client.execute(uri: "/api/v1/reports/warranty-expiry.csv", method: .head, headers: server.auth(.admin))
            #expect(
                report.status == .ok && report.headers[.contentLength] != "0" && report.headers[.contentType]?.hasPrefix("text/csv") == true
            )
            // The scheme in any letter case.
            for scheme in ["bearer", "BEARER", "Bearer "] {
                let token = server.auth(.admin)[.authorization]?.split(separator: " ").last.map(String.init) ?? ""
                let answer = try await client.execute(uri: "/api/v1/units", method: .get, headers: [.authorization: "\(scheme) \(token)"])
                #expect(answer.status == .ok, "\(scheme)")
            }
        }
    }

    @Test("HEAD records nothing: no download of a secure upload, no export in the audit log, while GET records both")
    func headIsSafe() async throws {
        let server = try TestServer()
        let newCase = TestServer.questionCase
        try await server.run { client in
            let opened = try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase))
            let number = try #require(try json(opened)["case"] as? String)
            var plain = server.auth(.supportEngineer)
            plain[.contentType] = "text/plain"
            let uploaded = try await client.execute(
                uri: "/api/v1/cases/\(number)/attachments?name=log.txt&secure=true", method: .post, headers: plain,
                body: ByteBuffer(string: "private"))
            let id = try #require(try json(uploaded)["id"] as? Int)
            func audited(_ action: String) throws -> Int {
                try server.depot.database.auditEntries(entity: nil, key: nil, user: nil, limit: 1000).filter { $0.action == action }.count
            }
            for method in [HTTPRequest.Method.head, .get] {
                let file = try await client.execute(uri: "/api/v1/attachments/\(id)", method: method, headers: server.auth(.admin))
                let export = try await client.execute(uri: "/api/v1/customers/ACME/export", method: method, headers: server.auth(.admin))
                #expect(file.status == .ok && export.status == .ok && file.headers[.contentLength] == "7")
                #expect(try audited("download") == (method == .head ? 0 : 1) && audited("export") == (method == .head ? 0 : 1), "\(method)")
            }
            let refused = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .head, headers: server.auth(.logistics))
            #expect(refused.status == .forbidden)
        }
    }
}

@Suite("Media types")
struct MediaTypeTests {
    @Test("a JSON body declared as another type is 415 and changes nothing; application/json with a charset is read")
    func declaredType() async throws {
        let server = try TestServer()
        let body = TestServer.questionCase
        try await server.run { client in
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                var headers = server.auth(.supportEngineer)
                headers[.contentType] = type
                let refused = try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(try refused.status == .unsupportedMediaType && errorCode(refused) == "unsupported-media-type", "\(type)")
            }
            #expect(try server.depot.database.cases(CaseFilter(), now: TestServer.now).isEmpty)
            var headers = server.auth(.supportEngineer)
            headers[.contentType] = "application/json; charset=utf-8"
            let opened = try await client.execute(uri: "/api/v1/cases", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(opened.status == .created)
        }
    }
}

@Suite("Text rules")
struct TextRuleTests {
    @Test("the document and the server agree on what a blank title is (Unicode White_Space, not JSON Schema's \\s)")
    func blankTitles() async throws {
        // `\s` means other characters in JSON Schema's ECMA-262 (U+FEFF, not U+0085), ICU and Python: the non-blank
        // classes name the characters instead (this check's ICU alone would agree with the server either way).
        #expect(!OpenAPIDocument.yaml.contains(#"[^\s"#))
        let server = try TestServer()
        try await server.run { client in
            let title: [String: Any] = ["$ref": "#/components/schemas/Title"]
            for text in ["\u{85}", "\u{FEFF}", "\u{3000}", "\u{A0}x", " x ", "\u{2028}", "x\n", "\tx y\r\n", "x\ny", "x\u{1}", "x\u{85}y"] {
                let allowed = ContractCheck.shared.check(.string(text), title, at: "$").isEmpty
                let body: [String: Any] = [
                    "customer": "ACME", "contact": "ops@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": text,
                ]
                let answer = try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
                #expect(
                    allowed == (answer.status == .created), "\(text.unicodeScalars.map { String($0.value, radix: 16) }): \(answer.status)")
            }
        }
    }
}

/// The contract check itself must be able to fail (a check that passes everything would prove nothing).
@Suite("Contract check")
struct ContractCheckTests {
    static func value(_ json: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) }

    @Test("every example in the document fits its schema, and there is one for every request body and main response")
    func examples() throws {
        let check = ContractCheck.shared
        #expect(check.exampleProblems() == [])
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        for name in [
            "Error", "Unit", "UnitSummary", "Customer", "Case", "CaseSummary", "NewCase", "RMA", "RMASummary", "Attachment", "Diagnosis",
        ] {
            #expect((schemas[name] as? [String: Any])?["examples"] != nil, "\(name) has no example")
        }
        // The check finds an example that does not fit.
        #expect(!check.check(try Self.value(#"{"case": "CS-1"}"#), ["$ref": "#/components/schemas/OpenedCase"], at: "$").isEmpty)
    }

    @Test("a missing required field, an extra one, a wrong type, a bad enum, a bad date and a null where none may be are found")
    func findsProblems() throws {
        let check = ContractCheck.shared
        let schema: [String: Any] = ["$ref": "#/components/schemas/UnitSummary"]
        let good = #"{"serial": "A-1", "model": "M", "status": "in-service", "customer": null, "site": null, "warrantyEnd": "2027-01-31"}"#
        #expect(check.check(try Self.value(good), schema, at: "$").isEmpty)
        let bad = [
            #"{"serial": "A-1", "model": "M", "status": "in-service", "customer": null, "site": null}"#,
            #"{"serial": "A-1", "model": "M", "status": "in-service", "customer": null, "site": null, "warrantyEnd": "2027-01-31", "x": 1}"#,
            #"{"serial": 1, "model": "M", "status": "in-service", "customer": null, "site": null, "warrantyEnd": "2027-01-31"}"#,
            #"{"serial": "A-1", "model": "M", "status": "lost", "customer": null, "site": null, "warrantyEnd": "2027-01-31"}"#,
            #"{"serial": "A-1", "model": "M", "status": "in-service", "customer": null, "site": null, "warrantyEnd": "31.01.2027"}"#,
            #"{"serial": "A-1", "model": null, "status": "in-service", "customer": null, "site": null, "warrantyEnd": "2027-01-31"}"#,
            #"{"serial": "A-1", "model": "M", "status": "in-service", "customer": true, "site": null, "warrantyEnd": "2027-01-31"}"#,
        ]
        for json in bad {
            #expect(!check.check(try Self.value(json), schema, at: "$").isEmpty, "\(json)")
        }
        // oneOf: exactly one choice (a nullable tier).
        let tier: [String: Any] = ["oneOf": [["$ref": "#/components/schemas/Tier"], ["type": "null"]]]
        #expect(check.check(.null, tier, at: "$").isEmpty && check.check(.string("premium"), tier, at: "$").isEmpty)
        #expect(!check.check(.string("gold"), tier, at: "$").isEmpty && !check.check(.number(1), tier, at: "$").isEmpty)
    }
}
