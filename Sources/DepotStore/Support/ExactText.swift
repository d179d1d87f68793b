/// Text compared by its UTF-8 bytes, as the database compares keys: Swift's `String` equality treats canonically
/// equivalent text as equal ("é" and "e" followed by U+0301), but two stored keys in those forms are two keys. Maps of
/// keys a query is asked for and answers with use this, so that one form never gets the other's record.
struct ExactText: Hashable, Comparable {
    let bytes: [UInt8]

    init(_ parts: String...) {
        var bytes: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { bytes.append(0) }  // no key holds NUL: the parts stay apart
            bytes += part.utf8
        }
        self.bytes = bytes
    }

    static func < (lhs: ExactText, rhs: ExactText) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
