import Crypto
import DepotCore
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird

/// The API's POSTs with an optional `Idempotency-Key` header: a client that retries (after a timeout, or when the
/// load balancer moved it to another server because one died) gets the first answer again, with
/// `Idempotent-Replayed: true`, and nothing is created twice. The answer is recorded in the transaction of the
/// request's changes, per user and key, for a day; the same key with a different request is a 422.
enum IdempotentWrites {
    static let header = fieldName("Idempotency-Key")
    static let replayedHeader = fieldName("Idempotent-Replayed")

    /// A header name written in this file (checked once: a name with a character a header name cannot hold stops here).
    private static func fieldName(_ name: String) -> HTTPField.Name {
        guard let parsed = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header name") }
        return parsed
    }

    /// The request's key; `nil` without the header; a 400 for one that is empty, too long or not printable ASCII.
    static func key(_ request: Request) throws -> String? {
        guard let key = request.headers[header] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }),
            !key.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw APIError(
                status: .badRequest, code: "invalid", message: "Idempotency-Key: 1 to 255 printable ASCII characters",
                field: "Idempotency-Key")
        }
        return key
    }

    /// What the request asks, for telling a retry from another request under the same key.
    static func fingerprint(_ request: Request, content: [Data]) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.description)\n".utf8))
        for part in content {
            hasher.update(data: Data("\(part.count)\n".utf8))
            hasher.update(data: part)
        }
        return Hex.lowercase(hasher.finalize())
    }

    /// Runs `work` (workflows, then the answer's value) once per key when the request has one, in a group commit;
    /// answers `status` with the value as JSON, or the recorded first answer.
    /// A 201's `Location`, the address of what it made, read from its JSON answer (a replay has only the answer).
    typealias Location = @Sendable (_ answer: [String: Any]) -> String?

    static func respond<T: Encodable & Sendable>(
        _ request: Request, actor: ActingUser, content: [Data], database: DepotDatabase, at: Instant,
        status: HTTPResponse.Status = .ok, grouped: Bool = true, location: Location? = nil, _ work: @escaping @Sendable () throws -> T
    ) async throws -> Response {
        guard let key = try key(request) else {
            let value = grouped ? try await database.grouped(work) : try await ThreadPool.run(work)
            return response(
                RecordedResponse(status: status.code, body: try JSONResponse<T>.encode(value)), replayed: false, location: location)
        }
        let asked = IdempotentRequest(user: actor.user, key: key, fingerprint: fingerprint(request, content: content))
        return try answer(
            try await database.once(asked, at: at, { RecordedResponse(status: status.code, body: try JSONResponse<T>.encode(try work())) }),
            key: key, location: location)
    }

    /// Opens a case (with the group's other cases) once per key when the request has one; answers 201 with
    /// `{"case": number}`, or the recorded first answer.
    static func openCase(
        _ request: Request, actor: ActingUser, content: [Data], database: DepotDatabase, at: Instant, _ new: NewCase
    ) async throws -> Response {
        let answer = { @Sendable (opened: OpenedCase) throws -> RecordedResponse in
            RecordedResponse(
                status: HTTPResponse.Status.created.code,
                body: try JSONResponse<APIController.OpenedCase>.encode(APIController.OpenedCase(opened)))
        }
        let location: Location = { answer in (answer["case"] as? String).map { "/api/v1/cases/\($0)" } }
        guard let key = try key(request) else {
            return response(try answer(try await database.openCaseGrouped(new, at: at, actor: actor)), replayed: false, location: location)
        }
        let asked = IdempotentRequest(user: actor.user, key: key, fingerprint: fingerprint(request, content: content))
        return try self.answer(
            try await database.openCaseGrouped(new, at: at, actor: actor, once: asked, respond: answer), key: key, location: location)
    }

    /// The response to what came of a request with `key`.
    private static func answer(_ outcome: IdempotentOutcome, key: String, location: Location?) throws -> Response {
        switch outcome {
        case .answered(let answer): return response(answer, replayed: false, location: location)
        case .replayed(let answer): return response(answer, replayed: true, location: location)
        case .mismatched:
            throw APIError(
                status: .unprocessableContent, code: "idempotency-key-reused",
                message: "this Idempotency-Key was sent before with a different request; a new request needs a new key",
                field: "Idempotency-Key")
        }
    }

    private static func response(_ answer: RecordedResponse, replayed: Bool, location: Location?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[replayedHeader] = "true" }
        if answer.status == HTTPResponse.Status.created.code, let location,
            let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any], let address = location(object)
        {
            headers[.location] = address
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
