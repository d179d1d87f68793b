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

    init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
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
        case .invalidArgument, .invalidFile, .invalidImport, .invalidPolicy, .unknownRegion, .unknownCalendar, .unknownVersion,
            .outsideCalendarHorizon, .regionNeverOpen, .unreadableFile:
            self.init(status: .badRequest, code: "invalid", message: error.message)
        case .notFound: self.init(status: .notFound, code: "not-found", message: error.message)
        case .illegalTransition: self.init(status: .conflict, code: "illegal-transition", message: error.message)
        case .refused: self.init(status: .conflict, code: "refused", message: error.message)
        case .forbidden: self.init(status: .forbidden, code: "forbidden", message: error.message)
        case .unauthenticated: self.init(status: .unauthorized, code: "unauthenticated", message: error.message)
        case .databaseMissing, .databaseNewer, .storage: self.init(status: .serviceUnavailable, code: "storage", message: error.message)
        case .unreadableValue: self.init(status: .internalServerError, code: "unreadable-value", message: error.message)
        }
    }

    private struct Body: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(Body(error: .init(code: code, message: message)), status: status).response(
            from: request, context: context)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
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

extension Request {
    /// The JSON body as `T` (an empty body reads as `{}`); a body that does not fit is a 400 naming the field.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T {
        try await decodeJSONKeepingBody(type, limit: limit).value
    }

    /// The JSON body as `T`, and the body's bytes (an idempotent request's fingerprint covers them).
    func decodeJSONKeepingBody<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> (value: T, body: Data) {
        let buffer = try await body.collect(upTo: limit)
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        return (try Self.decode(type, from: data), data)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let value: T
        do {
            value = try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw APIError(status: .badRequest, code: "invalid", message: ErrorMiddleware<DepotRequestContext>.describe(error))
        }
        // SQLite would keep a text up to it and PostgreSQL refuses it: no text Depot stores may hold it.
        if holdsNUL(data) {
            throw APIError(status: .badRequest, code: "invalid", message: "the body holds the character U+0000 (NUL) in a text")
        }
        return value
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
            throw APIError(error)
        } catch let error as DecodingError {
            throw APIError(status: .badRequest, code: "invalid", message: Self.describe(error))
        }
    }

    /// Which field of the JSON body is wrong, and how.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "the body" : "field \"\(keys)\""
        }
        switch error {
        case let .keyNotFound(key, context):
            let parent = path(context)
            return "field \"\(key.stringValue)\" is required" + (parent == "the body" ? "" : " in \(parent)")
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return "\(path(context)): \(context.debugDescription)"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "the body is not valid JSON for this request"
        }
    }
}
