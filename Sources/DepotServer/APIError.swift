import DepotCore
import Foundation
import Hummingbird

/// An error as the API shows it: a status and `{"error": {"code": ..., "message": ...}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// The form field (or JSON field) the error is about, when it is about one.
    let field: String?
    /// Seconds after which the request may be tried again (`Retry-After`), for a 429 or a 503.
    var retryAfter: Int64?
    /// The methods a path does have (`Allow`), for a 405.
    var allow: [String]?

    init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    /// The JSON field of a name the store gives an argument: `--product-version` is `softwareVersion`; a name without
    /// dashes (a query parameter) is itself.
    static func field(named name: String) -> String {
        guard name.hasPrefix("--") else { return name }
        let words = name.dropFirst(2).split(separator: "-")
        return (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The values of the request bodies' enumerations, by the type name Swift's decoder names in its message
    /// ("Cannot initialize Level from invalid String value urgent").
    static func allowedValues(_ description: String) -> [String]? {
        let enumerations: [String: [String]] = [
            "Level": Level.allCases.map(\.rawValue), "CaseType": CaseType.allCases.map(\.rawValue),
            "Priority": Priority.allCases.map(\.rawValue), "Verdict": Verdict.allCases.map(\.rawValue),
            "ReferralOutcome": ReferralOutcome.allCases.map(\.rawValue),
        ]
        guard description.hasPrefix("Cannot initialize "), let name = description.dropFirst(18).split(separator: " ").first else {
            return nil
        }
        return enumerations[String(name)]
    }

    /// A Swift type as JSON names it.
    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "an object"
        }
    }

    /// Text from a request, quoted for a message: at most 64 characters, control characters escaped.
    static func quoted(_ text: String) -> String {
        let short = text.count > 64 ? String(text.prefix(64)) + "…" : text
        return "\""
            + short.unicodeScalars.map { $0.value < 0x20 || $0 == "\"" || $0 == "\\" ? $0.escaped(asASCII: true) : String($0) }.joined()
            + "\""
    }

    /// 503: the password checks' threads are all taken (`PasswordChecks`).
    static var busyCheckingPasswords: APIError {
        var error = APIError(
            status: .serviceUnavailable, code: "busy", message: "the server is busy checking passwords: try again in a moment")
        error.retryAfter = 1
        return error
    }

    /// Every Depot error mapped to its status in one place.
    init(_ error: DepotError) {
        switch error {
        case let .invalidArgument(name, _, reason):
            // In the API's terms: a command-line flag the store names (`--confirmed-by`) is the body's field
            // (`confirmedBy`); a query parameter keeps its name. The value sent is not repeated.
            let field = Self.field(named: name)
            self.init(status: .badRequest, code: "invalid", message: "\(field): \(reason)", field: field)
        case .invalidFile, .invalidImport, .invalidPolicy, .unknownRegion, .unknownCalendar, .unknownVersion,
            .outsideCalendarHorizon, .regionNeverOpen, .unreadableFile:
            self.init(status: .badRequest, code: "invalid", message: error.message)
        case let .notFound(kind, key):
            // The key as sent, but never more than a line of it.
            self.init(status: .notFound, code: "not-found", message: "no \(kind) \(Self.quoted(key))")
        case .illegalTransition: self.init(status: .conflict, code: "illegal-transition", message: error.message)
        case .refused: self.init(status: .conflict, code: "refused", message: error.message)
        case .forbidden: self.init(status: .forbidden, code: "forbidden", message: error.message)
        case .unauthenticated: self.init(status: .unauthorized, code: "unauthenticated", message: error.message)
        case .databaseMissing, .databaseNewer, .storage:
            // Which file or database failed is for the server's log (`ErrorMiddleware`), not for every client.
            self.init(status: .serviceUnavailable, code: "storage", message: "the server's storage failed; its log says why")
        case .unreadableValue: self.init(status: .internalServerError, code: "unreadable-value", message: error.message)
        }
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            /// The JSON path of the field (or the query parameter) the error is about.
            let field: String?
        }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(Body(error: .init(code: code, message: message, field: field)), status: status).response(
            from: request, context: context)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if let allow { response.headers[.allow] = allow.joined(separator: ", ") }
        return response
    }
}

/// A JSON body with sorted keys (the same documents as the command line's `--format json`).
struct JSONResponse<Value: Encodable>: ResponseGenerator {
    let value: Value
    let status: HTTPResponse.Status

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    /// `value` as the API writes JSON: sorted keys, slashes as they are.
    static func encode(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A JSON request body whose fields are exactly its `CodingKeys`: a field it does not know is refused (400 naming
/// it), not silently dropped (a made-up field once still created a case).
protocol APIBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// The fields the body takes.
    static var fields: Set<String> { get }
}

extension APIBody {
    static var fields: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }
}

/// The body of a request that takes no fields (`take`, an RMA's `deliver`): `{}` or nothing.
struct EmptyBody: APIBody {
    enum CodingKeys: String, CodingKey, CaseIterable { case unused }
    init(from decoder: any Decoder) throws {}
    static var fields: Set<String> { [] }
}

extension Request {
    /// The JSON body as `T` (an empty body reads as `{}`); a body that does not fit is a 400 naming the field.
    func decodeJSON<T: APIBody>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T {
        try await decodeJSONKeepingBody(type, limit: limit).value
    }

    /// The JSON body as `T`, and the body's bytes (an idempotent request's fingerprint covers them).
    func decodeJSONKeepingBody<T: APIBody>(_ type: T.Type, limit: Int = 1 << 20) async throws -> (value: T, body: Data) {
        let buffer = try await body.collect(upTo: limit)
        // A body declared as something else is not read as JSON (text/plain, a form's encoding): 415.
        if buffer.readableBytes > 0, let type = headers[.contentType],
            let media = type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
            media != "application/json" && !media.hasSuffix("+json")
        {
            throw APIError(status: .unsupportedMediaType, code: "unsupported-media-type", message: "send the body as application/json")
        }
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        return (try Self.decode(type, from: data), data)
    }

    private static func decode<T: APIBody>(_ type: T.Type, from data: Data) throws -> T {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw APIError(status: .badRequest, code: "invalid", message: "the body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw APIError(status: .badRequest, code: "invalid", message: "the body must be a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !T.fields.contains($0) }) {
            let known = T.fields.isEmpty ? "this request takes no fields" : "known: " + T.fields.sorted().joined(separator: ", ")
            throw APIError(
                status: .badRequest, code: "invalid", message: "\(APIError.quoted(unknown)): unknown field (\(known))", field: unknown)
        }
        // A field named twice would leave which value counts to the parser: refused.
        if let twice = duplicateKey(in: data) {
            throw APIError(
                status: .badRequest, code: "invalid", message: "\(APIError.quoted(twice)): the field is named twice", field: twice)
        }
        // No request field takes null (the document says so): an optional field is left out, not sent as null.
        if let field = firstNull(in: object) {
            throw APIError(status: .badRequest, code: "invalid", message: "\(field): null: leave the field out instead", field: field)
        }
        let value: T
        do {
            value = try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            let (field, message) = ErrorMiddleware<DepotRequestContext>.describe(error)
            throw APIError(status: .badRequest, code: "invalid", message: message, field: field)
        }
        // SQLite would keep a text up to it and PostgreSQL refuses it: no text Depot stores may hold it.
        if holdsNUL(data) {
            let field = firstNUL(in: object)
            throw APIError(
                status: .badRequest, code: "invalid", message: "\(field.map { "\($0): " } ?? "")holds the character U+0000 (NUL)",
                field: field)
        }
        return value
    }

    /// The first key that one object of the JSON text `data` (already parsed, so well-formed) names twice; keys are
    /// compared as decoded (`"a"` and `"\u0061"` are one key).
    static func duplicateKey(in data: Data) -> String? {
        let bytes = [UInt8](data)
        // Per open object or array: the keys seen, and whether the next string is a key.
        var open: [(keys: Set<String>, isObject: Bool, expectsKey: Bool)] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"): open.append(([], true, true))
            case UInt8(ascii: "["): open.append(([], false, false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = open.popLast()
            case UInt8(ascii: ","): if open.last?.isObject == true { open[open.count - 1].expectsKey = true }
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = open.last, top.isObject, top.expectsKey {
                    let key = (try? JSONDecoder().decode(String.self, from: Data(bytes[index...min(end, bytes.count - 1)]))) ?? ""
                    if top.keys.contains(key) { return key }
                    open[open.count - 1].keys.insert(key)
                    open[open.count - 1].expectsKey = false
                }
                index = end
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The JSON path of the first text in `value` that holds U+0000, fields in name order.
    static func firstNUL(in value: Any) -> String? {
        firstPath(in: value) { ($0 as? String)?.unicodeScalars.contains("\u{0}") == true }
    }

    /// The JSON path (`note`, `items[2].serial`) of the first null in `value`, fields in name order.
    static func firstNull(in value: Any) -> String? {
        firstPath(in: value) { $0 is NSNull }
    }

    /// The JSON path of the first value in `value` (itself included) that `matches`, fields in name order.
    static func firstPath(in value: Any, at path: String = "", where matches: (Any) -> Bool) -> String? {
        if matches(value) { return path }
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                if let found = firstPath(in: object[key] as Any, at: path.isEmpty ? key : "\(path).\(key)", where: matches) {
                    return found
                }
            }
        case let array as [Any]:
            for (index, item) in array.enumerated() {
                if let found = firstPath(in: item, at: "\(path)[\(index)]", where: matches) { return found }
            }
        default: break
        }
        return nil
    }

    /// Whether the JSON text `data` escapes U+0000 in a string (`\u0000`; valid JSON cannot hold it raw). An escaped
    /// backslash before `u0000` is text, not the escape.
    static func holdsNUL(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var index = 0
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
                    bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") })
                {
                    return true
                }
                index += 2  // the escaped character is not the start of another escape
            }
            return false
        }
    }
}

/// Turns errors thrown by handlers into API errors: Depot's own by their kind, decoding errors as 400.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DepotError {
            let answer = APIError(error)
            if answer.code == "storage" { context.logger.error("storage failed", metadata: ["error": "\(error.message)"]) }
            throw answer
        } catch let error as DecodingError {
            let (field, message) = Self.describe(error)
            throw APIError(status: .badRequest, code: "invalid", message: message, field: field)
        }
    }

    /// Which field of the JSON body is wrong (its path: `title`, `items[2].serial`), and how, in the API's terms.
    static func describe(_ error: DecodingError) -> (field: String?, message: String) {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let keys = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? nil : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key]) ?? key.stringValue
            return (field, "\(field): required")
        case let .valueNotFound(type, context):
            let field = path(context.codingPath)
            return (field, "\(field ?? "the body"): must be \(APIError.jsonType(type)), not null")
        case let .typeMismatch(type, context):
            let field = path(context.codingPath)
            return (field, "\(field ?? "the body"): must be \(APIError.jsonType(type))")
        case let .dataCorrupted(context):
            guard let field = path(context.codingPath) else { return (nil, "the body is not valid JSON") }
            // A value none of an enumeration's: say which are, never echoing what was sent.
            if let allowed = APIError.allowedValues(context.debugDescription) {
                return (field, "\(field): must be one of \(allowed.joined(separator: ", "))")
            }
            return (field, "\(field): not a valid value")
        @unknown default: return (nil, "the body is not valid JSON for this request")
        }
    }
}
