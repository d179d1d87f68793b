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
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
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
    public let maximumRecordBytes: Int
    /// The line on which the current record starts (1-based).
    public private(set) var line = 0
    /// How many bytes of the input have been consumed.
    public private(set) var bytesConsumed = 0

    private var source: Source
    private let file: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var position = 0
    private var filled = 0
    private var finished = false
    private var atStart = true
    private var pendingCR = false
    private var nextLine = 1
    private var fieldBytes: [UInt8] = []
    private var fieldEnds: [Int] = []
    private var highBits: UInt8 = 0

    private enum State { case fieldStart, unquoted, quoted, quoteSeen }

    /// A reader of `source`, whose errors name `file`.
    public init(source: Source, file: String, chunkSize: Int = 1 << 20, maximumRecordBytes: Int = 1 << 20) {
        self.source = source
        self.file = file
        self.maximumRecordBytes = maximumRecordBytes
        buffer = .allocate(byteCount: max(chunkSize, 16), alignment: 8)
        fieldBytes.reserveCapacity(4096)
        fieldEnds.reserveCapacity(64)
    }

    deinit { buffer.deallocate() }

    /// How many fields the current record has.
    public var fieldCount: Int { fieldEnds.count }

    /// The bytes of field `index` of the current record, unquoted and unescaped.
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return try fieldBytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start..<fieldEnds[index]]))
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
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        highBits = 0
        var state = State.fieldStart
        line = nextLine
        var quoteLine = nextLine

        while true {
            if position == filled {
                if try !refill() { break }
            }
            if atStart {
                atStart = false
                if try skipByteOrderMark() { continue }
            }
            if pendingCR {
                pendingCR = false
                if buffer[position] == UInt8(ascii: "\n") {
                    position += 1
                    bytesConsumed += 1
                    continue
                }
            }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            switch state {
            case .fieldStart:
                let b = base[position]
                if b == UInt8(ascii: "\"") {
                    state = .quoted
                    quoteLine = nextLine
                    advance(1)
                } else if fieldEnds.isEmpty && (b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")) {
                    advance(1)  // a blank line: skipped
                    endLine(b)
                    line = nextLine
                } else {
                    state = .unquoted
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
                    throw .invalidFile(file: file, line: nextLine, message:
                        "a quote inside an unquoted field (field \(fieldEnds.count + 1)); quote the whole field and double the quote")
                }
                fieldEnds.append(fieldBytes.count)
                advance(1)
                if b == UInt8(ascii: ",") {
                    state = .fieldStart
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
                    state = .quoteSeen
                    advance(1)
                }
            case .quoteSeen:
                let b = base[position]
                if b == UInt8(ascii: "\"") {
                    try append(base + position, 1)
                    state = .quoted
                    advance(1)
                } else if b == UInt8(ascii: ",") {
                    fieldEnds.append(fieldBytes.count)
                    state = .fieldStart
                    advance(1)
                } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                    fieldEnds.append(fieldBytes.count)
                    advance(1)
                    endLine(b)
                    return try finishRecord()
                } else {
                    throw .invalidFile(file: file, line: nextLine, message:
                        "text after the closing quote of field \(fieldEnds.count + 1); a quote inside a quoted field is written twice")
                }
            }
        }

        // The end of the input.
        switch state {
        case .fieldStart where fieldEnds.isEmpty:
            return false
        case .quoted:
            throw .invalidFile(file: file, line: quoteLine, message: "a quoted field opens here and is never closed")
        default:
            fieldEnds.append(fieldBytes.count)
            return try finishRecord()
        }
    }

    private func advance(_ n: Int) {
        position += n
        bytesConsumed += n
    }

    private func endLine(_ byte: UInt8) {
        nextLine += 1
        if byte == UInt8(ascii: "\r") { pendingCR = true }
    }

    private func append(_ start: UnsafePointer<UInt8>, _ count: Int) throws(DepotError) {
        guard count > 0 else { return }
        let run = UnsafeBufferPointer(start: start, count: count)
        for b in run { highBits |= b }
        fieldBytes.append(contentsOf: run)
        if fieldBytes.count > maximumRecordBytes {
            throw .invalidFile(file: file, line: line, message:
                "a record longer than \(maximumRecordBytes) bytes starts here (is a quote left open?)")
        }
    }

    private func finishRecord() throws(DepotError) -> Bool {
        if highBits & 0x80 != 0 {
            for index in 0..<fieldEnds.count {
                let valid = withField(index) { String(validating: $0, as: UTF8.self) != nil }
                if !valid {
                    throw .invalidFile(file: file, line: line, message: "field \(index + 1) is not UTF-8 text")
                }
            }
        }
        return true
    }

    private func refill() throws(DepotError) -> Bool {
        guard !finished else { return false }
        let n = try source.read(into: buffer)
        position = 0
        filled = n
        if n == 0 { finished = true }
        return n > 0
    }

    /// Skips a UTF-8 byte-order mark at the very start; `true` when one was skipped.
    private func skipByteOrderMark() throws(DepotError) -> Bool {
        // The three bytes may straddle a chunk boundary only with absurdly small chunks; keep it simple
        // by requiring them in the first chunk.
        guard filled - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF else {
            return false
        }
        advance(3)
        return true
    }
}
