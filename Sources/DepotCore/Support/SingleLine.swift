/// Fields that are one line of text (a case title, a carrier, a tracking number, a reason): trimmed, without line
/// breaks or other control characters, and of a length a page, a label and a CSV cell can show.
public enum SingleLine {
    /// The longest case title, in characters.
    public static let titleLength = 200
    /// The longest carrier name or tracking number.
    public static let codeLength = 100
    /// The longest one-line reason (priority change, cancellation, waiting on the customer).
    public static let reasonLength = 1000

    /// The text trimmed, or a refusal naming `field` and saying what is wrong. Its length is counted in Unicode scalars
    /// as sent, before trimming: what the API's document (JSON Schema's `maxLength`) promises.
    public static func check(_ text: String, field: String, maxLength: Int) throws(DepotError) -> String {
        let trimmed = text.trimmingSpaces()
        if let bad = trimmed.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidArgument(
                name: field, value: AttachmentName.printable(String(trimmed.prefix(40))),
                reason: "must be one line: it holds a control character (U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        guard text.unicodeScalars.count <= maxLength else {
            throw .invalidArgument(
                name: field, value: AttachmentName.printable(String(trimmed.prefix(40))) + "...",
                reason: "is \(text.unicodeScalars.count) characters long; at most \(maxLength) are allowed")
        }
        return trimmed
    }
}
