import Testing

@testable import DepotCore

/// Issue 19: an attachment is served with its type only when that type is on the safe list.
@Suite("Attachment types served")
struct AttachmentTypeTests {
    @Test("plain data keeps its type; documents and scripts a browser would render are served as bytes")
    func served() {
        for safe in ["text/plain", "TEXT/PLAIN; charset=utf-8", "application/pdf", "image/png", "application/zip", "text/csv"] {
            #expect(AttachmentName.servedType(safe) == AttachmentName.mediaType(safe), "\(safe)")
        }
        for risky in ["text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript", "application/xml", "x/y", "", "html"] {
            #expect(AttachmentName.servedType(risky) == "application/octet-stream", "\(risky)")
        }
    }
}
