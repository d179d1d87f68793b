import DepotCore
import Foundation

/// A buffered RFC 4180 writer: UTF-8, CRLF line ends, a cell quoted only when it holds a comma, a quote
/// or a line break, and every cell a spreadsheet would run as a formula neutralised (a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a leading apostrophe, as OWASP recommends). The rules are
/// `CSVField.encode`'s, applied to bytes so a million rows cost no strings.
///
/// The same writer can instead hand its full buffers to a closure (a streamed HTTP body), or collect the
/// first rows as text for a page (`ReportTable`): reports are written once, for every destination.
public final class CSVWriter {
    private let descriptor: Int32
    private let path: String
    private let sink: ((UnsafeBufferPointer<UInt8>) throws -> Void)?
    private let table: ReportTable?
    private static let capacity = 1 << 16
    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: CSVWriter.capacity)
    private var count = 0
    private var atRowStart = true

    /// A writer to an open file descriptor (1 for standard output); `path` names it in errors.
    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        sink = nil
        table = nil
    }

    /// A writer that hands each full buffer (64 KiB) to `sink`, which must copy what it keeps; `name` names it in errors.
    public init(name: String, sink: @escaping (UnsafeBufferPointer<UInt8>) throws -> Void) {
        descriptor = -1
        path = name
        self.sink = sink
        table = nil
    }

    /// A writer that collects rows as text, unencoded, into `table`.
    init(table: ReportTable) {
        descriptor = -1
        path = "table"
        sink = nil
        self.table = table
    }

    deinit { buffer.deallocate() }

    /// One cell from UTF-8 bytes.
    public func cell(_ bytes: UnsafeBufferPointer<UInt8>) throws(DepotError) {
        if let table {
            table.cell(bytes)
            return
        }
        var needsQuotes = false
        var quotes = 0
        for b in bytes {
            if b == UInt8(ascii: "\"") {
                quotes += 1
                needsQuotes = true
            } else if b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                needsQuotes = true
            }
        }
        let first = bytes.first ?? 0
        let formula =
            first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
            || first == 0x09 || first == 0x0D
        // At most: a comma, two quotes, an apostrophe, the bytes and their doubled quotes.
        let needed = bytes.count + quotes + 4
        if count + needed > Self.capacity { try flush() }
        if needed > Self.capacity {
            // A cell larger than the buffer: encoded on its own.
            var encoded: [UInt8] = atRowStart ? [] : [UInt8(ascii: ",")]
            if needsQuotes { encoded.append(UInt8(ascii: "\"")) }
            if formula { encoded.append(UInt8(ascii: "'")) }
            for b in bytes {
                encoded.append(b)
                if b == UInt8(ascii: "\"") { encoded.append(b) }
            }
            if needsQuotes { encoded.append(UInt8(ascii: "\"")) }
            atRowStart = false
            try encoded.withUnsafeBufferPointer { (all) throws(DepotError) in try writeOut(all) }
            return
        }
        var n = count
        let out = buffer
        if !atRowStart {
            out[n] = UInt8(ascii: ",")
            n += 1
        }
        if needsQuotes {
            out[n] = UInt8(ascii: "\"")
            n += 1
        }
        if formula {
            out[n] = UInt8(ascii: "'")
            n += 1
        }
        if quotes == 0 {
            if let base = bytes.baseAddress { (out + n).update(from: base, count: bytes.count) }
            n += bytes.count
        } else {
            for b in bytes {
                out[n] = b
                n += 1
                if b == UInt8(ascii: "\"") {
                    out[n] = b
                    n += 1
                }
            }
        }
        if needsQuotes {
            out[n] = UInt8(ascii: "\"")
            n += 1
        }
        count = n
        atRowStart = false
    }

    /// One cell from text.
    public func cell(_ text: String) throws(DepotError) {
        var text = text
        var failure: DepotError?
        text.withUTF8 { bytes in
            do throws(DepotError) { try cell(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// One cell from an optional text; `nil` is an empty cell.
    public func cell(_ text: String?) throws(DepotError) { try cell(text ?? "") }

    /// Ends the row.
    public func endRow() throws(DepotError) {
        if let table {
            table.endRow()
            return
        }
        if count + 2 > Self.capacity { try flush() }
        buffer[count] = 0x0D
        buffer[count + 1] = 0x0A
        count += 2
        atRowStart = true
    }

    /// A whole row of text cells.
    public func row(_ cells: [String]) throws(DepotError) {
        for cell in cells { try self.cell(cell) }
        try endRow()
    }

    /// Writes out what is buffered.
    public func flush() throws(DepotError) {
        try writeOut(UnsafeBufferPointer(start: buffer, count: count))
        count = 0
    }

    private func writeOut(_ bytes: UnsafeBufferPointer<UInt8>) throws(DepotError) {
        guard let base = bytes.baseAddress else { return }
        if let sink {
            do { try sink(bytes) } catch let error as DepotError { throw error } catch {
                throw .storage(path: path, message: "cannot write: \(error)")
            }
            return
        }
        var written = 0
        while written < bytes.count {
            let n = Foundation.write(descriptor, base + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw .storage(path: path, message: "cannot write: \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}

/// A page of a report's rows as text, for a page that shows them: `limit` rows from row `offset` (0 for the first);
/// `total` counts every row.
public final class ReportTable {
    /// The header row.
    public private(set) var columns: [String] = []
    /// Up to `limit` rows after the header, from row `offset`.
    public private(set) var rows: [[String]] = []
    /// Every row after the header, shown or not.
    public private(set) var total = 0
    public let limit: Int
    public let offset: Int
    private var current: [String] = []
    private var sawHeader = false

    public init(limit: Int, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    /// Whether the row being written is one to keep.
    private var keeping: Bool { !sawHeader || (total >= offset && rows.count < limit) }

    func cell(_ bytes: UnsafeBufferPointer<UInt8>) {
        if keeping { current.append(String(decoding: bytes, as: UTF8.self)) }
    }

    func endRow() {
        if !sawHeader {
            columns = current
            sawHeader = true
        } else {
            if keeping { rows.append(current) }
            total += 1
        }
        current.removeAll(keepingCapacity: true)
    }
}
