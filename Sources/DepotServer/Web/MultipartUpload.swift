import DepotCore
import DepotStore
import Foundation
import Hummingbird
import MultipartKit

/// A `multipart/form-data` form with one file, read as it arrives (MultipartKit's streaming parser): text fields
/// are kept (64 KiB in all at most), the file's bytes go straight into an attachment upload, which checks the size
/// limit as they come.
struct MultipartUpload {
    var fields: [String: String] = [:]
    var fileName: String?
    var fileType: String?
    var upload: AttachmentUpload?

    /// Reads the form; with `csrf`, its `csrf` field must equal it (403 otherwise, and nothing is kept).
    static func read(_ request: Request, csrf: String?, database: DepotDatabase) async throws -> MultipartUpload {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = contentType.split(separator: ";").dropFirst().lazy
                .map({ $0.trimmingSpaces() }).first(where: { $0.lowercased().hasPrefix("boundary=") })
                .map({ String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }),
            !boundary.isEmpty
        else { throw APIError(status: .badRequest, code: "invalid", message: "the upload form must be sent as multipart/form-data") }

        var form = MultipartUpload()
        let parser = MultipartParser(boundary: boundary)
        var headers: [String: String] = [:]
        var text: [UInt8] = []
        var textBytes = 0
        var failure: (any Error)?
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { buffer in
            guard failure == nil else { return }
            let disposition = headers["content-disposition"] ?? ""
            if let fileName = Self.parameter("filename", in: disposition) {
                do {
                    if form.upload == nil { form.upload = try database.beginUpload(label: fileName) }
                    try form.upload?.append(buffer.readableBytesView)
                } catch { failure = error }
            } else {
                textBytes += buffer.readableBytes
                if textBytes > 1 << 16 {
                    failure = APIError(status: .badRequest, code: "invalid", message: "the form's text fields are too long")
                } else {
                    text += buffer.readableBytesView
                }
            }
        }
        parser.onPartComplete = {
            let disposition = headers["content-disposition"] ?? ""
            if let name = Self.parameter("name", in: disposition) {
                if let fileName = Self.parameter("filename", in: disposition) {
                    form.fileName = fileName
                    form.fileType = headers["content-type"]
                } else {
                    form.fields[name] = String(decoding: text, as: UTF8.self)
                }
            }
            headers = [:]
            text = []
        }
        do {
            for try await buffer in request.body {
                try parser.execute(buffer)
                if let failure { throw failure }
            }
        } catch {
            form.upload?.discard()
            if error is APIError || error is DepotError { throw error }
            throw APIError(status: .badRequest, code: "invalid", message: "the upload form is not well-formed multipart/form-data")
        }
        if let csrf {
            guard let sent = form.fields["csrf"], WebSessions.equal(sent, csrf) else {
                form.upload?.discard()
                throw APIError(
                    status: .forbidden, code: "csrf",
                    message: "the form's security token is missing or out of date: reload the page and send it again")
            }
        }
        return form
    }

    /// A parameter of a `Content-Disposition` header (`name="file"`), unquoted; `nil` when absent.
    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return value
        }
        return nil
    }
}
