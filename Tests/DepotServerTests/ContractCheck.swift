import DepotServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

/// A JSON value as the wire has it: booleans apart from numbers (which `JSONSerialization` mixes up).
indirect enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.rounded() == n ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Issue 19: every API response a route test receives is checked against the OpenAPI document: its status is
/// documented for the operation (or the default error), its content type is the documented one, a documented
/// `Location` is there, and a JSON body fits the schema (a small JSON Schema check: the keywords the document uses).
struct ContractCheck: @unchecked Sendable {  // the document is read, never changed, after init
    static let shared = ContractCheck()
    private let document: [String: Any]

    private init() {
        guard let document = try? Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any] else {
            preconditionFailure("the OpenAPI document does not parse")
        }
        self.document = document
    }

    /// What is wrong with `response` to `method` `uri`, nothing when it fits the document.
    func problems(method: HTTPRequest.Method, uri: String, response: TestResponse) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        // HEAD is GET without the body (`HeadRequestMiddleware`).
        if method == .head {
            return response.body.readableBytes == 0
                ? problems(method: .get, uri: uri, status: response.status, headers: response.headers) : ["HEAD \(path) has a body"]
        }
        return problems(method: method, uri: uri, status: response.status, headers: response.headers, body: response.body)
    }

    private func problems(
        method: HTTPRequest.Method, uri: String, status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer? = nil
    ) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        guard let (template, item) = operationPath(path), let operation = item[method.rawValue.lowercased()] as? [String: Any] else {
            // No operation: the JSON 404, or 405 naming the methods the path has.
            let refused = status == .notFound || (status == .methodNotAllowed && headers[.allow] != nil)
            return path.hasPrefix("/api/") && !refused ? ["\(method) \(path) is not in the document"] : []
        }
        let responses = operation["responses"] as? [String: Any] ?? [:]
        guard var documented = (responses[String(status.code)] ?? responses["default"]) as? [String: Any] else {
            return ["\(template): status \(status.code) is not documented"]
        }
        documented = resolve(documented)
        var problems: [String] = []
        if let declared = documented["headers"] as? [String: Any], declared["Location"] != nil, headers[.location] == nil {
            problems.append("\(template): \(status.code) without its Location")
        }
        guard let content = documented["content"] as? [String: Any] else { return problems }
        let type = (headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = (content[type] ?? content["*/*"]) as? [String: Any] else {
            return problems + ["\(template): content type \"\(type)\" is not one of \(content.keys.sorted())"]
        }
        // JSON is checked where the document says JSON (an attachment served as application/json is any bytes).
        guard type == "application/json", content[type] != nil, let body, let schema = media["schema"] as? [String: Any] else {
            return problems
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)) else {
            return problems + ["\(template): the body is not JSON"]
        }
        return problems + check(value, schema, at: "\(template) \(status.code) $")
    }

    /// Where the document's own examples do not fit their schemas: each component schema's `examples` and each
    /// request body's `example`.
    func exampleProblems() -> [String] {
        func value(_ yaml: Any) -> JSONValue? {
            guard let data = try? JSONSerialization.data(withJSONObject: [yaml], options: [.fragmentsAllowed]),
                case .array(let items)? = try? JSONDecoder().decode(JSONValue.self, from: data)
            else { return nil }
            return items.first
        }
        var problems: [String] = []
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        for (name, schema) in schemas.sorted(by: { $0.key < $1.key }) {
            guard let schema = schema as? [String: Any], let examples = schema["examples"] as? [Any] else { continue }
            for example in examples {
                guard let example = value(example) else { return problems + ["\(name): an example is not JSON"] }
                problems += check(example, schema, at: "\(name) example $")
            }
        }
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for (method, operation) in item as? [String: Any] ?? [:] {
                let body = (operation as? [String: Any])?["requestBody"] as? [String: Any]
                guard let media = (body?["content"] as? [String: Any])?["application/json"] as? [String: Any],
                    let schema = media["schema"] as? [String: Any], let example = media["example"]
                else { continue }
                guard let example = value(example) else { return problems + ["\(method) \(path): the example is not JSON"] }
                problems += check(example, schema, at: "\(method) \(path) example $")
            }
        }
        return problems
    }

    /// The document's path whose template matches `path`, literal segments preferred over captures.
    private func operationPath(_ path: String) -> (String, [String: Any])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let paths = document["paths"] as? [String: Any] ?? [:]
        let matching = paths.keys.filter { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            return parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        let best = matching.max { a, b in a.filter { $0 == "{" }.count > b.filter { $0 == "{" }.count }
        return best.flatMap { template in (paths[template] as? [String: Any]).map { (template, $0) } }
    }

    private func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let reference = schema["$ref"] as? String, reference.hasPrefix("#/") else { return schema }
        var node: Any = document
        for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] ?? [:] }
        return resolve(node as? [String: Any] ?? [:])
    }

    /// Where `value` does not fit `schema`.
    func check(_ value: JSONValue, _ schema: [String: Any], at path: String) -> [String] {
        let schema = resolve(schema)
        if let all = schema["allOf"] as? [[String: Any]] {
            var rest = schema
            rest["allOf"] = nil
            return all.flatMap { check(value, $0, at: path) } + check(value, rest, at: path)
        }
        if let choices = schema["oneOf"] as? [[String: Any]] {
            let fitting = choices.filter { check(value, $0, at: path).isEmpty }.count
            return fitting == 1 ? [] : ["\(path): fits \(fitting) of the oneOf choices, not one"]
        }
        if let allowed = schema["enum"] as? [Any] {
            guard case .string(let text) = value, allowed.contains(where: { ($0 as? String) == text }) else {
                return ["\(path): \(value) is not one of \(allowed)"]
            }
            return []
        }
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }) {
            let name = value.typeName
            guard types.contains(name) || (name == "integer" && types.contains("number")) else {
                return ["\(path): \(name), not \(types.joined(separator: " or "))"]
            }
        }
        switch value {
        case .object(let fields): return checkObject(fields, schema, at: path)
        case .array(let items):
            guard let itemSchema = schema["items"] as? [String: Any] else { return [] }
            return items.enumerated().flatMap { check($1, itemSchema, at: "\(path)[\($0)]") }
        case .string(let text): return checkString(text, schema, at: path)
        case .number(let number):
            var problems: [String] = []
            if let minimum = schema["minimum"] as? Int, number < Double(minimum) { problems.append("\(path): \(number) < \(minimum)") }
            if let maximum = schema["maximum"] as? Int, number > Double(maximum) { problems.append("\(path): \(number) > \(maximum)") }
            return problems
        case .null, .bool: return []
        }
    }

    private func checkObject(_ fields: [String: JSONValue], _ schema: [String: Any], at path: String) -> [String] {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        var problems = (schema["required"] as? [String] ?? []).filter { fields[$0] == nil }.map { "\(path): lacks \($0)" }
        if (schema["additionalProperties"] as? Bool) == false {
            problems += fields.keys.filter { properties[$0] == nil }.sorted().map { "\(path): \($0) is not in the schema" }
        }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if let property = properties[key] as? [String: Any] { problems += check(value, property, at: "\(path).\(key)") }
        }
        return problems
    }

    private func checkString(_ text: String, _ schema: [String: Any], at path: String) -> [String] {
        var problems: [String] = []
        if let minimum = schema["minLength"] as? Int, text.count < minimum { problems.append("\(path): shorter than \(minimum)") }
        if let maximum = schema["maxLength"] as? Int, text.count > maximum { problems.append("\(path): longer than \(maximum)") }
        if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
            problems.append("\(path): \"\(text)\" does not match \(pattern)")
        }
        let formats = ["date": #"^\d{4}-\d{2}-\d{2}$"#, "date-time": #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"#]
        if let format = schema["format"] as? String, let pattern = formats[format],
            text.range(of: pattern, options: .regularExpression) == nil
        {
            problems.append("\(path): \"\(text)\" is not a \(format)")
        }
        return problems
    }
}

/// A test client that checks every API response against the document (`ContractCheck`) and records what does not fit.
struct ContractCheckingClient: TestClientProtocol {
    let client: any TestClientProtocol
    var port: Int? { client.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        if uri.hasPrefix("/api/") {
            for problem in ContractCheck.shared.problems(method: method, uri: uri, response: response) {
                Issue.record("the API's answer does not fit its document: \(problem)")
            }
        }
        return response
    }
}
