import DepotCore
import Foundation

/// A buffered RFC 4180 writer: UTF-8, CRLF line ends, a cell quoted only when it holds a comma, a quote
/// or a line break, and every cell a spreadsheet would run as a formula neutralised (a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a leading apostrophe, as OWASP recommends). The rules are
/// `CSVField.encode`'s, applied to bytes so a million rows cost no strings.
public final class CSVWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var atRowStart = true
    private let capacity = 1 << 16

    /// A writer to an open file descriptor (1 for standard output); `path` names it in errors.
    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        buffer.reserveCapacity(capacity + 4096)
    }

    /// One cell from UTF-8 bytes.
    public func cell(_ bytes: UnsafeBufferPointer<UInt8>) throws(DepotError) {
        if !atRowStart { buffer.append(UInt8(ascii: ",")) }
        atRowStart = false
        var needsQuotes = false
        for b in bytes where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
            needsQuotes = true
            break
        }
        let formula = bytes.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains($0) } ?? false
        if needsQuotes { buffer.append(UInt8(ascii: "\"")) }
        if formula { buffer.append(UInt8(ascii: "'")) }
        if needsQuotes {
            for b in bytes {
                buffer.append(b)
                if b == UInt8(ascii: "\"") { buffer.append(b) }
            }
            buffer.append(UInt8(ascii: "\""))
        } else {
            buffer.append(contentsOf: bytes)
        }
        if buffer.count >= capacity { try flush() }
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
        buffer.append(0x0D)
        buffer.append(0x0A)
        atRowStart = true
        if buffer.count >= capacity { try flush() }
    }

    /// A whole row of text cells.
    public func row(_ cells: [String]) throws(DepotError) {
        for cell in cells { try self.cell(cell) }
        try endRow()
    }

    /// Writes out what is buffered.
    public func flush() throws(DepotError) {
        var written = 0
        let result: Int32 = buffer.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return 0
        }
        buffer.removeAll(keepingCapacity: true)
        if result != 0 { throw .storage(path: path, message: "cannot write: \(String(cString: strerror(result)))") }
    }
}
