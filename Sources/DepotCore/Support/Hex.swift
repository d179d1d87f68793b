/// Lowercase hexadecimal text of bytes (hashes, MACs): a table lookup per nibble, no `String(format:)`, which
/// cost 50 µs per token hash on Linux (measured under wrk).
public enum Hex {
    public static func lowercase(_ bytes: some Sequence<UInt8>, prefix: String = "") -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = Array(prefix.utf8)
        out.reserveCapacity(out.count + 64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
