/// The attachment rules of the policy (SPEC.md 6, seed support-portal-notice): how big an upload may be and
/// how long a secure upload is kept at most.
public struct AttachmentRules: Sendable, Equatable {
    /// The largest upload, in bytes (the policy gives megabytes of 1,000,000 bytes).
    public var maxBytes: Int64
    /// Secure uploads are purged this many days after upload at the latest, whether the case is closed or not.
    public var secureRetentionDays: Int

    public init(maxBytes: Int64, secureRetentionDays: Int) {
        self.maxBytes = maxBytes
        self.secureRetentionDays = secureRetentionDays
    }

    /// 25 MB and 90 days.
    public static let defaults = AttachmentRules(maxBytes: 25_000_000, secureRetentionDays: 90)
}

/// A file name given by a user, checked before it is stored: it is only ever shown and offered as the download's
/// name, never used as a path, and names that try to be one are refused rather than quietly changed.
public enum AttachmentName {
    /// The name, trimmed, or why it is refused.
    public static func check(_ name: String) throws(DepotError) -> String {
        let trimmed = name.trimmingSpaces()
        func refuse(_ reason: String) -> DepotError { .invalidArgument(name: "name", value: printable(name), reason: reason) }
        guard !trimmed.isEmpty else { throw refuse("an attachment needs a file name") }
        // Counted as sent, in Unicode scalars: what the API's document (JSON Schema's maxLength) says.
        guard name.unicodeScalars.count <= 255 else { throw refuse("is longer than 255 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw refuse("holds a control character (NUL, line break, ...)")
        }
        guard !trimmed.contains("/"), !trimmed.contains("\\") else { throw refuse("holds a path separator: give the file's own name") }
        guard trimmed != ".", trimmed != "..", !trimmed.hasPrefix("..") else { throw refuse("is not a file name") }
        return trimmed
    }

    /// A name with its control characters made visible, for messages.
    static func printable(_ name: String) -> String {
        var out = ""
        for c in name.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7F { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    /// The media type a file name suggests (for uploads from the command line, which come without one).
    public static func guessedMediaType(_ name: String) -> String? {
        let parts = name.split(separator: ".")
        switch parts.count > 1 ? parts.last?.lowercased() : nil {
        case "txt", "log": return "text/plain"
        case "csv": return "text/csv"
        case "json": return "application/json"
        case "xml": return "application/xml"
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "zip": return "application/zip"
        case "gz", "tgz": return "application/gzip"
        default: return nil
        }
    }

    /// A media type as given (`type/subtype`, parameters dropped), or `application/octet-stream` when it is
    /// missing or malformed.
    public static func mediaType(_ given: String?) -> String {
        guard let given else { return "application/octet-stream" }
        let essence = given.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces().lowercased() } ?? ""
        let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
        let token: (Substring) -> Bool = { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$&-^_.+".contains($0)) }
        }
        guard parts.count == 2, token(parts[0]), token(parts[1]) else { return "application/octet-stream" }
        return essence
    }

    /// The types an attachment is served as when it was stored as one of them: plain data a browser shows as it is
    /// or hands to another program. Anything else (HTML, SVG, scripts, XML, types of its own) is served as
    /// `application/octet-stream`, so that no browser renders an upload as a document of Depot's site.
    public static let servedTypes: Set<String> = [
        "text/plain", "text/csv", "application/json", "application/pdf", "image/png", "image/jpeg", "image/gif", "application/zip",
        "application/gzip", "application/x-tar", "application/octet-stream",
    ]

    /// The type an attachment stored as `stored` is served as (issue 19).
    public static func servedType(_ stored: String) -> String {
        let type = mediaType(stored)
        return servedTypes.contains(type) ? type : "application/octet-stream"
    }
}
