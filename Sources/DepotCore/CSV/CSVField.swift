/// RFC 4180 cell encoding for everything Depot writes as CSV.
public enum CSVField {
    /// A cell: formula-like text neutralised (SPEC.md 5: a leading `=`, `+`, `-`, `@`, tab or carriage
    /// return gets a leading apostrophe so a spreadsheet shows it instead of running it), then quoted
    /// when it holds a comma, quote or line break.
    public static func encode(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { text = "'" + text }
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    /// A whole record: cells joined by commas, ended by CRLF as RFC 4180 asks.
    public static func record(_ cells: [String]) -> String { cells.map(encode).joined(separator: ",") + "\r\n" }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
