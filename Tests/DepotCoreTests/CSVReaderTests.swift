import DepotCore
import Testing

/// Reads every record of `text` with the source handing out `chunk` bytes at a time.
private func records(_ bytes: [UInt8], chunk: Int = .max, maximumRecordBytes: Int = 1 << 20) throws(DepotError) -> [[String]] {
    let reader = CSVReader(
        source: MemoryByteSource(bytes, chunk: chunk), file: "t.csv", chunkSize: 16, maximumRecordBytes: maximumRecordBytes)
    var out: [[String]] = []
    while try reader.next() { out.append(reader.fields) }
    return out
}

private func records(_ text: String, chunk: Int = .max) throws(DepotError) -> [[String]] { try records(Array(text.utf8), chunk: chunk) }

/// RFC 4180 encoding of a record: quoted when needed, quotes doubled.
private func encode(_ record: [String]) -> String {
    record.map { field in
        field.isEmpty && record.count == 1 || field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            ? "\"" + field.replacing("\"", with: "\"\"") + "\"" : field
    }.joined(separator: ",")
}

@Suite("Streaming CSV reader")
struct CSVReaderTests {
    @Test("quoted fields hold commas, doubled quotes and line breaks; lines are counted across them")
    func quoting() throws {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n"
        #expect(try records(text) == [["a", "b"], ["x, y", "say \"hi\""], ["two\nlines", "z"]])
        let reader = CSVReader(source: MemoryByteSource(Array(text.utf8)), file: "t.csv")
        var lines: [Int] = []
        while try reader.next() { lines.append(reader.line) }
        #expect(lines == [1, 2, 3])
    }

    @Test("CRLF, LF and CR end records; a BOM and blank lines are skipped; the last line needs no break")
    func lineEndings() throws {
        #expect(try records("\u{FEFF}a,b\r\n\r\nc,d\re,f\n\ng,h") == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        #expect(try records("a,,\n,b,") == [["a", "", ""], ["", "b", ""]])
        #expect(try records("") == [])
    }

    @Test("malformed input is an error naming the line")
    func malformed() {
        #expect(
            throws: DepotError.invalidFile(
                file: "t.csv", line: 2, message: "a quote inside an unquoted field (field 2); quote the whole field and double the quote")
        ) {
            try records("a,b\nc,d\"e\n")
        }
        #expect(
            throws: DepotError.invalidFile(
                file: "t.csv", line: 1, message: "text after the closing quote of field 1; a quote inside a quoted field is written twice")
        ) {
            try records("\"a\"b,c\n")
        }
        #expect(throws: DepotError.invalidFile(file: "t.csv", line: 3, message: "a quoted field opens here and is never closed")) {
            try records("a\nb\n\"c\nd\ne")
        }
        #expect(throws: DepotError.invalidFile(file: "t.csv", line: 2, message: "field 2 is not UTF-8 text")) {
            try records([0x61, 0x0A, 0x62, 0x2C, 0xC3, 0x28, 0x0A])
        }
        #expect(
            throws: DepotError.invalidFile(
                file: "t.csv", line: 1, message: "a record longer than 8 bytes starts here (is a quote left open?)")
        ) {
            try records(Array("\"abcdefghijklmnop".utf8), maximumRecordBytes: 8)
        }
    }

    @Test("random records survive encoding and reading back, whatever the chunk size")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 4180)
        let alphabet: [String] = ["a", "Z", "0", " ", ",", "\"", "\n", "\r\n", "é", "💾", "=", "-", "\t"]
        for _ in 0..<300 {
            let fieldCount = Int.random(in: 1...5, using: &rng)
            let rows = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                (0..<fieldCount).map { _ in
                    (0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
                }
            }
            // A record of one empty field would be a blank line; the encoder quotes it.
            let text = rows.map(encode).joined(separator: Bool.random(using: &rng) ? "\r\n" : "\n") + (Bool.random(using: &rng) ? "\n" : "")
            let chunk = [1, 2, 3, 7, 64, .max].randomElement(using: &rng)!
            #expect(try records(text, chunk: chunk) == rows, "\(text.debugDescription) in chunks of \(chunk)")
        }
    }

    @Test("random bytes never crash or hang the reader: records or one error with a line")
    func fuzz() {
        var rng = SplitMix64(seed: 99)
        let interesting: [UInt8] = [0x2C, 0x22, 0x0A, 0x0D, 0x61, 0x20, 0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF, 0x00]
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in
                Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
            do {
                let read = try records(bytes, chunk: Int.random(in: 1...9, using: &rng), maximumRecordBytes: 32)
                #expect(read.count <= lineCount)
            } catch let DepotError.invalidFile(file, line, message) {
                #expect(file == "t.csv" && (1...lineCount).contains(line) && !message.isEmpty)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
