/// Text for XML and SVG documents Depot draws itself (charts, labels).
public enum XMLText {
    /// `text` escaped for an element's content or an attribute value; control characters XML 1.0 does not
    /// allow become spaces.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case _ where c.value < 0x20 && c != "\t" && c != "\n" && c != "\r": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
