import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Case attachments on the API: upload as the raw request body, list, download.
struct AttachmentController {
    let database: DepotDatabase
    let now: @Sendable () -> Instant

    func addRoutes(to group: RouterGroup<DepotRequestContext>) {
        group.get("cases/:number/attachments", use: list)
        group.post("cases/:number/attachments", use: upload)
        group.get("attachments/:id", use: download)
    }

    /// `GET /api/v1/cases/{number}/attachments`
    @Sendable func list(_ request: Request, context: DepotRequestContext) async throws -> JSONResponse<[CaseAttachment]> {
        let actor = try context.requireActor()
        let number = try context.caseNumber()
        let database = database
        return JSONResponse(try await ThreadPool.run { try database.attachments(of: number, visibleTo: actor) })
    }

    /// `POST /api/v1/cases/{number}/attachments?name=FILE&secure=true`: the body is the file, its Content-Type
    /// the file's type. 201 with the attachment; 400 for a hostile or missing name, an empty body or one over
    /// the limit (nothing is kept); 409 for a closed case.
    @Sendable func upload(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try actor.require(.manageCases)
        let number = try context.caseNumber()
        let query = try request.queryForm()
        let name = try AttachmentName.check(query.get("name") ?? "")
        let secure = try Self.flag(query.get("secure"), "secure")
        let database = database
        _ = try await ThreadPool.run { try database.caseDetail(number, now: Instant(secondsSinceEpoch: 0)) }  // 404 before reading the body
        try Self.refuseDeclaredSize(request, limit: database.policy.attachments.maxBytes)
        let upload = try database.beginUpload(label: name)
        let box = UploadBox(upload)
        do {
            var received: Int64 = 0
            for try await buffer in request.body {
                // Past the limit without a declared length (chunked): 413 as with one, at the piece that passes it.
                received += Int64(buffer.readableBytes)
                if received > database.policy.attachments.maxBytes { throw Self.tooLarge(database.policy.attachments.maxBytes) }
                try box.upload.append(buffer.readableBytesView)
            }
        } catch {
            box.upload.discard()
            throw error
        }
        let at = now()
        let type = request.headers[.contentType]
        // A retry's fingerprint covers the content by its hash, and the type it was sent as.
        let content = [Data(box.upload.contentHash.utf8), Data((type ?? "").utf8)]
        let keyed = try IdempotentWrites.key(request) != nil
        return try await IdempotentWrites.respond(
            request, actor: actor, content: content, database: database, at: at, status: .created, grouped: keyed,
            location: { answer in (answer["id"] as? Int).map { "/api/v1/attachments/\($0)" } }
        ) {
            try database.attach(box.upload, to: number, name: name, mediaType: type, secure: secure, at: at, actor: actor)
        }
    }

    /// `GET /api/v1/attachments/{id}`: the file, offered as a download under its name.
    @Sendable func download(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        return try await Self.file(request, context: context, database: database)
    }

    /// The attachment `{id}` as a download (shared with the web UI): never rendered by the browser in Depot's
    /// origin (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP, a type from a safe list only).
    /// Streamed a piece at a time from its file or chunks, with its length; the last piece is held back until the whole
    /// content has passed its SHA-256 check, so content that fails it is cut short (the client sees fewer bytes than
    /// the length promised, a failed download) and never arrives whole as if it were right.
    static func file(_ request: Request, context: DepotRequestContext, database: DepotDatabase) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else {
            throw APIError(status: .notFound, code: "not-found", message: "no attachment \"\(context.parameters.get("id") ?? "")\"")
        }
        let actor = try context.requireActor()
        // HEAD downloads nothing: the same checks, no audit entry.
        let audited = !HeadRequestFlag.isHead
        let reader = try await ThreadPool.run { try database.downloadAttachment(id, actor: actor, audited: audited) }
        let attachment = reader.attachment
        var headers: HTTPFields = [
            .contentType: AttachmentName.servedType(attachment.mediaType), .contentDisposition: contentDisposition(attachment.name),
            .cacheControl: "private, no-store", .contentSecurityPolicy: "sandbox; default-src 'none'",
        ]
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentLength] = String(attachment.size)
        let body = ResponseBody { writer in
            var held: Data?
            // `next()` checks the hash when it reaches the end: only then does the held piece go out.
            while let piece = try await ThreadPool.run({ try reader.next() }) {
                if let held { try await writer.write(ByteBuffer(bytes: held)) }
                held = piece
            }
            if let held { try await writer.write(ByteBuffer(bytes: held)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266), quotes and controls kept out.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// 413 at once for a body whose declared length is past `limit`: nothing of it is read.
    static func refuseDeclaredSize(_ request: Request, limit: Int64) throws {
        guard let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > limit else { return }
        throw tooLarge(limit)
    }

    /// 413: an upload past the attachment limit of `limit` bytes.
    static func tooLarge(_ limit: Int64) -> APIError {
        APIError(status: .contentTooLarge, code: "too-large", message: "the upload is larger than the attachment limit of \(limit) bytes")
    }

    static func flag(_ value: String?, _ name: String) throws -> Bool {
        switch value?.lowercased() {
        case nil, "false": false
        case "true": true
        default: throw APIError(status: .badRequest, code: "invalid", message: "\(name): must be true or false", field: name)
        }
    }
}

/// Carries an upload across the thread-pool hop (it is used by one request at a time).
final class UploadBox: @unchecked Sendable {
    let upload: AttachmentUpload
    init(_ upload: AttachmentUpload) { self.upload = upload }
}
