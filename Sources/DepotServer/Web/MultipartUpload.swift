import DepotCore
import DepotStore
import Foundation
import Hummingbird
import MultipartKit
import NIOPosix

/// A `multipart/form-data` form with one file, read as it arrives (MultipartKit's streaming parser): text fields
/// are kept (64 KiB in all at most), the file's bytes go straight into an attachment upload, which checks the size
/// limit as they come. Every cap stops the reading as soon as it is passed (issue 19): a part's headers at most
/// 8 KiB, the whole body at most the attachment limit plus `overhead`, one file part.
struct MultipartUpload {
    /// The most a part's headers (and the boundary before them) may take.
    static let headerLimit = 8 << 10
    /// What the body may hold beyond the file: the text fields (64 KiB at most), headers and boundaries.
    static let overhead: Int64 = 128 << 10
    /// The size of the slices the body is parsed in, so that a cap is checked at least this often.
    static let slice = 4 << 10

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

        let parsing = Parsing(collector: Collector(database: database), boundary: boundary)
        let collector = parsing.collector
        let bodyLimit = database.policy.attachments.maxBytes + overhead
        try AttachmentController.refuseDeclaredSize(request, limit: bodyLimit)
        var received: Int64 = 0
        do {
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                if received > bodyLimit { throw AttachmentController.tooLarge(database.policy.attachments.maxBytes) }
                // Parsing costs CPU (MultipartKit goes byte by byte around every CR): on a thread of its own, never
                // on the threads that run every other request (two uploads once held them all for 18 s).
                try await Self.parsingThread.runIfActive { try parsing.feed(buffer) }
            }
        } catch {
            collector.form.upload?.discard()
            if error is APIError || error is DepotError { throw error }
            throw APIError(status: .badRequest, code: "invalid", message: "the upload form is not well-formed multipart/form-data")
        }
        let form = collector.form
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

    /// The thread uploads are parsed on, one piece at a time (uploads from several requests take turns).
    private static let parsingThread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// The parser and its collector, handed to the parsing thread for one piece of the body at a time (the request's
    /// task waits for each, so they are never used by two threads at once).
    private final class Parsing: @unchecked Sendable {
        let collector: Collector
        let parser: MultipartParser

        init(collector: Collector, boundary: String) {
            self.collector = collector
            parser = MultipartParser(boundary: boundary)
            parser.onHeader = collector.header
            parser.onBody = collector.body
            parser.onPartComplete = collector.partComplete
        }

        /// Parses `buffer` in slices, so that a cap is checked at least every `slice` bytes.
        func feed(_ buffer: ByteBuffer) throws {
            var rest = buffer
            while let piece = rest.readSlice(length: min(slice, rest.readableBytes)), piece.readableBytes > 0 {
                collector.sinceProgress += piece.readableBytes
                try parser.execute(piece)
                if let failure = collector.failure { throw failure }
                if collector.sinceProgress > headerLimit + slice { throw Collector.longHeaders }
            }
        }
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

    /// What the parser's callbacks collect, part by part; the first failure stops the rest.
    private final class Collector {
        static let longHeaders = APIError(status: .badRequest, code: "invalid", message: "a part's headers are longer than 8 KiB")

        let database: DepotDatabase
        var form = MultipartUpload()
        var failure: (any Error)?
        /// Bytes given to the parser since it last gave a part's body or ended a part (a header line that never ends).
        var sinceProgress = 0
        /// The bytes of the part's headers so far (many short lines).
        private var headerBytes = 0
        private var headers: [String: String] = [:]
        private var text: [UInt8] = []
        /// The file part's bytes not yet written: the parser hands over a body in pieces that end at each CR (about
        /// every 256 bytes of binary data), and a write of each cost 15 s of CPU per 20 MB in a debug build.
        private var pending: [UInt8] = []
        /// The file part's bytes so far.
        private var written: Int64 = 0
        /// The current part's file name (`.some(nil)`: a text field), once its body has begun.
        private var partFileName: String??
        private var textBytes = 0

        init(database: DepotDatabase) { self.database = database }

        func header(_ name: String, _ value: String) {
            headerBytes += name.utf8.count + value.utf8.count + 4
            if headerBytes > MultipartUpload.headerLimit, failure == nil { failure = Self.longHeaders }
            headers[name.lowercased()] = value
        }

        func body(_ buffer: inout ByteBuffer) {
            sinceProgress = 0
            guard failure == nil else { return }
            // The part's file name, read from its headers once (the body comes in many pieces).
            if partFileName == nil { partFileName = .some(MultipartUpload.parameter("filename", in: headers["content-disposition"] ?? "")) }
            if let fileName = partFileName ?? nil {
                guard form.fileName == nil else {
                    failure = APIError(status: .badRequest, code: "invalid", message: "attach one file at a time")
                    return
                }
                pending += buffer.readableBytesView
                written += Int64(buffer.readableBytes)
                let limit = database.policy.attachments.maxBytes
                // 413 as soon as the file passes the limit, as for a body past its cap.
                guard written <= limit else {
                    failure = AttachmentController.tooLarge(limit)
                    return
                }
                if pending.count >= 1 << 16 { writePending(fileName) }
            } else {
                textBytes += buffer.readableBytes
                if textBytes > 1 << 16 {
                    failure = APIError(status: .badRequest, code: "invalid", message: "the form's text fields are too long")
                } else {
                    text += buffer.readableBytesView
                }
            }
        }

        /// Writes the file part's pending bytes to its upload (begun at the first write).
        private func writePending(_ fileName: String) {
            guard failure == nil else { return }
            do {
                if form.upload == nil { form.upload = try database.beginUpload(label: fileName) }
                try form.upload?.append(pending)
                pending.removeAll(keepingCapacity: true)
            } catch { failure = error }
        }

        func partComplete() {
            (sinceProgress, headerBytes) = (0, 0)
            let disposition = headers["content-disposition"] ?? ""
            if let name = MultipartUpload.parameter("name", in: disposition) {
                if let fileName = MultipartUpload.parameter("filename", in: disposition) {
                    if !pending.isEmpty { writePending(fileName) }
                    form.fileName = fileName
                    form.fileType = headers["content-type"]
                } else {
                    form.fields[name] = String(decoding: text, as: UTF8.self)
                }
            }
            headers = [:]
            text = []
            partFileName = nil
        }
    }
}
