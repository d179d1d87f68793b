/// Code 128 barcodes (ISO/IEC 15417), for the RMA number on shipping labels. Code set B carries printable
/// ASCII; runs of digits switch to code set C, two digits per symbol, which keeps labels short.
public enum Code128 {
    /// Why a text cannot be encoded.
    public struct Unencodable: Error, Equatable, CustomStringConvertible {
        public let text: String
        public init(text: String) { self.text = text }
        public var description: String { "\"\(text)\" holds a character Code 128 set B cannot carry (printable ASCII only)" }
    }

    /// The symbol values of `text`, start symbol and checksum included, stop symbol excluded.
    public static func symbols(_ text: String) throws(Unencodable) -> [Int] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 32 && $0 <= 126 }) else { throw Unencodable(text: text) }
        func digits(from i: Int) -> Int {
            var j = i
            while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 { j += 1 }
            return j - i
        }
        var values: [Int] = []
        var inC: Bool
        let leading = digits(from: 0)
        // Start in C for four or more leading digits (or exactly two that are the whole text).
        if leading >= 4 || (leading == 2 && bytes.count == 2) {
            inC = true
            values.append(startC)
        } else {
            inC = false
            values.append(startB)
        }
        var i = 0
        while i < bytes.count {
            if inC {
                if digits(from: i) >= 2 {
                    values.append(Int(bytes[i] - 48) * 10 + Int(bytes[i + 1] - 48))
                    i += 2
                    continue
                }
                values.append(codeB)
                inC = false
            }
            // In B: switch to C for a digit run worth it (six or more, or four or more that end the text);
            // an odd run sends its first digit in B.
            let run = digits(from: i)
            if run >= 6 || (run >= 4 && i + run == bytes.count) {
                if run % 2 == 1 {
                    values.append(Int(bytes[i]) - 32)
                    i += 1
                }
                values.append(codeC)
                inC = true
                continue
            }
            values.append(Int(bytes[i]) - 32)
            i += 1
        }
        var sum = values[0]
        for (position, value) in values.enumerated().dropFirst() { sum += position * value }
        values.append(sum % 103)
        return values
    }

    /// The bars and spaces of `text` as module widths, alternating bar, space, bar, ..., stop symbol included
    /// (no quiet zones).
    public static func widths(_ text: String) throws(Unencodable) -> [Int] {
        var out: [Int] = []
        for value in try symbols(text) { out += patterns[value].utf8.map { Int($0) - 48 } }
        out += [2, 3, 3, 1, 1, 1, 2]  // stop
        return out
    }

    static let startB = 104
    static let startC = 105
    static let codeB = 100
    static let codeC = 99

    /// Bar and space widths of symbols 0 to 105 (bar first).
    static let patterns: [String] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232",
    ]
}
