import Foundation

/// Where a ``CSVReader`` gets its bytes from.
public protocol ByteSource {
    /// Fills the start of `buffer` with up to `buffer.count` bytes and returns how many; 0 means the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DepotError) -> Int
}

/// The bytes of an open file, read with `read(2)`.
public struct FileByteSource: ByteSource {
    private let descriptor: Int32
    private let path: String

    /// Opens `path` for reading, or throws `unreadableFile`.
    public init(path: String) throws(DepotError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            systemClose(fd)
            throw .unreadableFile(path: path, reason: "is a folder")
        }
        descriptor = fd
        self.path = path
    }

    /// The file's size in bytes, when it is a regular file (for a progress bar).
    public var size: Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DepotError) -> Int {
        while true {
            let n = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    /// Closes the file.
    public func close() { systemClose(descriptor) }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemClose(_ fd: Int32) { _ = close(fd) }

/// A view of one record's fields, valid only inside ``CSVReader/withRecord(_:)``.
public struct CSVRecord {
    let bytes: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>

    /// How many fields the record has.
    public var count: Int { ends.count }

    /// The bytes of field `index`, unquoted and unescaped.
    public subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return UnsafeBufferPointer(rebasing: bytes[start..<ends[index]])
    }
}

/// Bytes held in memory, handed out at most `chunk` at a time (tests use small chunks to cross every boundary).
public struct MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private let chunk: Int
    private var position = 0

    /// A source over `bytes`.
    public init(_ bytes: [UInt8], chunk: Int = .max) {
        self.bytes = bytes
        self.chunk = max(1, chunk)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DepotError) -> Int {
        let n = min(buffer.count, chunk, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)])) }
        position += n
        return n
    }
}

/// A streaming RFC 4180 reader over bytes: one record at a time, in memory bounded by the longest record.
///
/// Fields are separated by commas, records by CRLF, LF or CR; a field in double quotes may hold commas,
/// line breaks and doubled quotes. A leading UTF-8 byte-order mark is skipped, blank lines are skipped,
/// and the text must be UTF-8. Malformed input (a quote inside an unquoted field, text after a closing
/// quote, a quote never closed, a record longer than `maximumRecordBytes`) is an `invalidFile` error
/// naming the line; after one, the reader cannot go on.
public final class CSVReader<Source: ByteSource> {
    /// The longest record accepted, in bytes; longer ones are nearly always an unclosed quote.
    public var maximumRecordBytes: Int { state.maximumRecordBytes }
    /// The line on which the current record starts (1-based).
    public var line: Int { state.line }
    /// How many bytes of the input have been consumed.
    public var bytesConsumed: Int { state.bytesConsumed }

    private var source: Source
    private let buffer: UnsafeMutableRawBufferPointer
    // All mutable parsing state lives in one struct that `next()` moves into a local: the hot loop then
    // touches no class property (each such access costs a dynamic exclusivity check).
    private var state: ParseState

    /// A reader of `source`, whose errors name `file`.
    public init(source: Source, file: String, chunkSize: Int = 1 << 20, maximumRecordBytes: Int = 1 << 20) {
        self.source = source
        buffer = .allocate(byteCount: max(chunkSize, 16), alignment: 8)
        state = ParseState(file: file, maximumRecordBytes: maximumRecordBytes)
    }

    deinit { buffer.deallocate() }

    /// How many fields the current record has.
    public var fieldCount: Int { state.fieldEnds.count }

    /// The bytes of field `index` of the current record, unquoted and unescaped.
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withRecord { try body($0[index]) }
    }

    /// Runs `body` on a view of the current record's fields (the import's fast path: no copies).
    public func withRecord<R>(_ body: (CSVRecord) throws -> R) rethrows -> R {
        try state.fieldBytes.withUnsafeBufferPointer { bytes in
            try state.fieldEnds.withUnsafeBufferPointer { ends in try body(CSVRecord(bytes: bytes, ends: ends)) }
        }
    }

    /// Field `index` of the current record as text.
    public func field(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields of the current record as text.
    public var fields: [String] { (0..<fieldCount).map(field) }

    /// Moves to the next record; `false` at the end of the input.
    public func next() throws(DepotError) -> Bool {
        var local = ParseState(file: "", maximumRecordBytes: 0)
        swap(&local, &state)
        defer { swap(&local, &state) }
        return try local.next(buffer: buffer) { () throws(DepotError) -> Int in try source.read(into: buffer) }
    }
}

/// The reader's mutable state and its byte-level state machine.
private struct ParseState {
    let file: String
    let maximumRecordBytes: Int
    var line = 0
    var bytesConsumed = 0
    var position = 0
    var filled = 0
    var finished = false
    var atStart = true
    var pendingCR = false
    var nextLine = 1
    var fieldBytes: [UInt8] = []
    var fieldEnds: [Int] = []
    var highBits: UInt8 = 0

    private enum Mode { case fieldStart, unquoted, quoted, quoteSeen }

    init(file: String, maximumRecordBytes: Int) {
        self.file = file
        self.maximumRecordBytes = maximumRecordBytes
        if maximumRecordBytes > 0 {
            fieldBytes.reserveCapacity(4096)
            fieldEnds.reserveCapacity(64)
        }
    }

    mutating func next(buffer: UnsafeMutableRawBufferPointer, refill read: () throws(DepotError) -> Int) throws(DepotError) -> Bool {
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        highBits = 0
        var mode = Mode.fieldStart
        line = nextLine
        var quoteLine = nextLine
        guard let start = buffer.baseAddress else { return false }
        let base = start.assumingMemoryBound(to: UInt8.self)

        while true {
            if position == filled {
                guard !finished else { break }
                filled = try read()
                position = 0
                if filled == 0 {
                    finished = true
                    break
                }
            }
            if atStart {
                atStart = false
                if filled - position >= 3, base[position] == 0xEF, base[position + 1] == 0xBB, base[position + 2] == 0xBF {
                    advance(3)  // a UTF-8 byte-order mark
                    continue
                }
            }
            if pendingCR {
                pendingCR = false
                if base[position] == UInt8(ascii: "\n") {
                    advance(1)
                    continue
                }
            }
            switch mode {
            case .fieldStart:
                let b = base[position]
                if b == UInt8(ascii: "\"") {
                    mode = .quoted
                    quoteLine = nextLine
                    advance(1)
                } else if fieldEnds.isEmpty && (b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")) {
                    advance(1)  // a blank line: skipped
                    endLine(b)
                    line = nextLine
                } else {
                    mode = .unquoted
                }
            case .unquoted:
                var i = position
                while i < filled {
                    let b = base[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\"") { break }
                    i += 1
                }
                try append(base + position, i - position)
                advance(i - position)
                if i == filled { continue }
                let b = base[i]
                if b == UInt8(ascii: "\"") {
                    throw .invalidFile(
                        file: file, line: nextLine,
                        message:
                            "a quote inside an unquoted field (field \(fieldEnds.count + 1)); quote the whole field and double the quote")
                }
                fieldEnds.append(fieldBytes.count)
                advance(1)
                if b == UInt8(ascii: ",") {
                    mode = .fieldStart
                } else {
                    endLine(b)
                    return try finishRecord()
                }
            case .quoted:
                var i = position
                while i < filled {
                    let b = base[i]
                    if b == UInt8(ascii: "\"") { break }
                    if b == UInt8(ascii: "\n") { nextLine += 1 }
                    i += 1
                }
                try append(base + position, i - position)
                advance(i - position)
                if i < filled {
                    mode = .quoteSeen
                    advance(1)
                }
            case .quoteSeen:
                let b = base[position]
                if b == UInt8(ascii: "\"") {
                    try append(base + position, 1)
                    mode = .quoted
                    advance(1)
                } else if b == UInt8(ascii: ",") {
                    fieldEnds.append(fieldBytes.count)
                    mode = .fieldStart
                    advance(1)
                } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                    fieldEnds.append(fieldBytes.count)
                    advance(1)
                    endLine(b)
                    return try finishRecord()
                } else {
                    throw .invalidFile(
                        file: file, line: nextLine,
                        message:
                            "text after the closing quote of field \(fieldEnds.count + 1); a quote inside a quoted field is written twice")
                }
            }
        }

        // The end of the input.
        switch mode {
        case .fieldStart where fieldEnds.isEmpty:
            return false
        case .quoted:
            throw .invalidFile(file: file, line: quoteLine, message: "a quoted field opens here and is never closed")
        default:
            fieldEnds.append(fieldBytes.count)
            return try finishRecord()
        }
    }

    private mutating func advance(_ n: Int) {
        position += n
        bytesConsumed += n
    }

    private mutating func endLine(_ byte: UInt8) {
        nextLine += 1
        if byte == UInt8(ascii: "\r") { pendingCR = true }
    }

    private mutating func append(_ start: UnsafePointer<UInt8>, _ count: Int) throws(DepotError) {
        guard count > 0 else { return }
        let run = UnsafeBufferPointer(start: start, count: count)
        var bits = highBits
        for b in run { bits |= b }
        highBits = bits
        fieldBytes.append(contentsOf: run)
        if fieldBytes.count > maximumRecordBytes {
            throw .invalidFile(
                file: file, line: line,
                message:
                    "a record longer than \(maximumRecordBytes) bytes starts here (is a quote left open?)")
        }
    }

    private func finishRecord() throws(DepotError) -> Bool {
        guard highBits & 0x80 != 0 else { return true }
        try fieldBytes.withUnsafeBufferPointer { (bytes) throws(DepotError) in
            var start = 0
            for (index, end) in fieldEnds.enumerated() {
                if String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) == nil {
                    throw .invalidFile(file: file, line: line, message: "field \(index + 1) is not UTF-8 text")
                }
                start = end
            }
        }
        return true
    }
}
