import DepotCore
import Foundation

/// Small JSON texts for the database (audit details, notification payloads).
enum JSONText {
    static func object(_ fields: [String: String]) -> String {
        encode(fields)
    }

    /// A string as it appears inside a JSON string literal written by `encode` (without the quotes).
    static func escaped(_ text: String) -> String {
        String(encode([text]).dropFirst(2).dropLast(2))
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
