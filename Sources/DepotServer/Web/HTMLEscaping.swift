import Mustache

/// HTML escaping by byte: `&`, `<`, `>`, `"` and `'` become entities wherever they stand. Mustache's own HTML escaping
/// compares whole characters, so a quote followed by a combining mark (`"` U+0301, one grapheme) passed through
/// unescaped and could close an attribute (`value="x"́ onfocus=...`). Every template is rendered with this content
/// type (`PageRenderer.load` puts the pragma first in each, partials included), so no template can forget it.
struct DepotHTML: MustacheContentType {
    static let name = "DEPOT_HTML"
    /// The pragma that selects it, first in every template.
    static let pragma = "{{% CONTENT_TYPE: \(name) }}"

    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        // The five are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII: a byte-wise pass is exact.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: bytes += Array("&amp;".utf8)
            case 0x3C: bytes += Array("&lt;".utf8)
            case 0x3E: bytes += Array("&gt;".utf8)
            case 0x22: bytes += Array("&quot;".utf8)
            case 0x27: bytes += Array("&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
