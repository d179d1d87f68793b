import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// Attachments and their retention (SPEC.md 6, seed support-portal-notice).
@Suite("Attachments and retention")
struct AttachmentTests {
    let monday = instant("2026-11-23T15:00:00Z")

    func openCase(_ depot: TestDepot, title: String = "Logs attached") throws -> CaseNumber {
        try depot.database.openCase(
            NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: title),
            at: monday, actor: TestDepot.engineer)
    }

    func attach(
        _ depot: TestDepot, _ number: CaseNumber, _ text: String, name: String = "syslog.txt", secure: Bool = false,
        at: Instant? = nil
    ) throws -> CaseAttachment {
        let upload = try depot.database.beginUpload()
        try upload.append(Array(text.utf8))
        return try depot.database.attach(
            upload, to: number, name: name, mediaType: "text/plain; charset=utf-8", secure: secure,
            at: at ?? monday, actor: TestDepot.engineer)
    }

    /// The SHA-256 of every content stored (files in the folder, or chunks in the database).
    func storedFiles(_ depot: TestDepot) throws -> [String] {
        try depot.database.storedAttachmentContents()
    }

    @Test("an attachment is stored by its SHA-256 with name, type and size; the same content is stored once")
    func stored() throws {
        let depot = try TestDepot.withFleet()
        let number = try openCase(depot)
        let first = try attach(depot, number, "kernel: panic\n")
        #expect(first.name == "syslog.txt" && first.mediaType == "text/plain" && first.size == 14 && !first.secure)
        #expect(String(decoding: try depot.database.attachmentContent(first), as: UTF8.self) == "kernel: panic\n")
        _ = try attach(depot, number, "kernel: panic\n", name: "again.txt")
        #expect(try depot.database.attachments(of: number).map(\.name) == ["syslog.txt", "again.txt"])
        #expect(try storedFiles(depot) == [first.sha256])
        // The hash is SHA-256 of the bytes (checked against Python's hashlib).
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import hashlib; print(hashlib.sha256(b'kernel: panic\\n').hexdigest(), end='')"]
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(first.sha256 == expected)
        #expect(
            try depot.database.auditEntries(entity: "attachment", key: String(first.id), user: nil, limit: 5).map(\.action) == ["attach"])
    }

    @Test("content over several 1 MiB chunks comes back byte for byte, is stored once, and goes with its last attachment")
    func largeContent() throws {
        let depot = try TestDepot.withFleet()
        let number = try openCase(depot)
        // 2.5 MiB of varying bytes: three chunks on PostgreSQL, the last one partial.
        let bytes = (0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        var stored: [CaseAttachment] = []
        for name in ["core.bin", "core-again.bin"] {
            let upload = try depot.database.beginUpload()
            for start in stride(from: 0, to: bytes.count, by: 300_000) {
                try upload.append(bytes[start..<min(start + 300_000, bytes.count)])
            }
            stored.append(
                try depot.database.attach(
                    upload, to: number, name: name, mediaType: nil, secure: false, at: monday, actor: TestDepot.engineer))
        }
        #expect(stored.map(\.size) == [Int64(bytes.count), Int64(bytes.count)] && stored[0].sha256 == stored[1].sha256)
        #expect(try depot.database.attachmentContent(stored[1]) == Data(bytes))
        #expect(try storedFiles(depot) == [stored[0].sha256])
        try depot.database.advanceCase(
            number, .close, confirmedBy: "dev@acme.example", at: monday.adding(seconds: 60), actor: TestDepot.engineer)
        #expect(try storedFiles(depot).isEmpty)
        #expect(throws: DepotError.self) { try depot.database.attachmentContent(stored[0]) }
    }

    @Test("hostile or missing names, empty files and files over the limit are refused and leave nothing behind")
    func refused() throws {
        let small = try PolicyLoader.load(yaml: "attachments:\n  max-megabytes: 1\n", file: "small.yaml", defaults: .builtInDefault()) {
            path in
            throw DepotError.unreadableFile(path: path, reason: "none")
        }
        let depot = try TestDepot.withFleet(policy: small)
        let number = try openCase(depot)
        for name in ["../../etc/passwd", "evil\u{0}.txt", "a/b", "..\\..\\boot.ini", "", "  ", "..", "line\nbreak.txt"] {
            #expect(throws: DepotError.self, "\(name.debugDescription)") { try attach(depot, number, "content", name: name) }
        }
        #expect {
            try attach(depot, number, "content", name: "../../etc/passwd")
        } throws: { error in
            (error as? DepotError)?.message == #"name "../../etc/passwd": holds a path separator: give the file's own name"#
        }
        #expect(throws: DepotError.invalidArgument(name: "file", value: "", reason: "is empty: there is nothing to attach")) {
            try attach(depot, number, "")
        }
        let upload = try depot.database.beginUpload()
        try upload.append([UInt8](repeating: 65, count: 600_000))
        #expect(
            throws: DepotError.invalidArgument(
                name: "file", value: "", reason: "is larger than the limit of 1 MB (attachments.max-megabytes)")
        ) {
            try upload.append([UInt8](repeating: 65, count: 400_001))
        }
        #expect(try depot.database.attachments(of: number).isEmpty)
        #expect(try storedFiles(depot).isEmpty)
        // Exactly at the limit is fine.
        let full = try depot.database.beginUpload()
        try full.append([UInt8](repeating: 66, count: 1_000_000))
        #expect(
            try depot.database.attach(
                full, to: number, name: "full.bin", mediaType: nil, secure: false, at: monday, actor: TestDepot.engineer
            ).size == 1_000_000)
        // Only those who work cases attach.
        let other = try depot.database.beginUpload()
        try other.append(Array("x".utf8))
        #expect(throws: DepotError.self) {
            try depot.database.attach(
                other, to: number, name: "x.txt", mediaType: nil, secure: false, at: monday, actor: TestDepot.logistics)
        }
        #expect(try storedFiles(depot).count == 1)
    }

    @Test("closing a case deletes its attachments (rows and files, audited); the case and its timeline stay; a closed case takes none")
    func closeDeletes() throws {
        let depot = try TestDepot.withFleet()
        let closing = try openCase(depot, title: "Closing")
        let staying = try openCase(depot, title: "Staying")
        let gone = try attach(depot, closing, "to be deleted")
        let kept = try attach(depot, staying, "kept")
        try depot.database.advanceCase(
            closing, .close, confirmedBy: "dev@acme.example", at: monday.adding(seconds: 3600), actor: TestDepot.engineer)
        #expect(try depot.database.attachments(of: closing).isEmpty)
        #expect(throws: DepotError.notFound(kind: "attachment", key: String(gone.id))) { try depot.database.attachment(gone.id) }
        #expect(try storedFiles(depot) == [kept.sha256])
        let audit = try depot.database.auditEntries(entity: "attachment", key: String(gone.id), user: nil, limit: 5)
        #expect(audit.map { $0.action }.sorted() == ["attach", "delete"] && audit.contains { $0.reason == "the case is closed" })
        let detail = try depot.database.caseDetail(closing, now: monday.adding(seconds: 7200))
        #expect(
            detail.status == .closed && detail.title == "Closing"
                && detail.timeline.map(\.kind) == ["opened", "attached", "attachment-deleted", "closed"])
        #expect(throws: DepotError.self) { try attach(depot, closing, "late") }
        #expect(try depot.database.attachments(of: staying).map(\.id) == [kept.id])
    }

    @Test("retention: secure uploads go 90 days after upload, open case or not; ordinary ones on open cases stay; closed cases' go")
    func retention() throws {
        // The files arrive at `monday`: retention counts from their arrival.
        let depot = try TestDepot.withFleet(now: monday)
        let open = try openCase(depot, title: "Open")
        let secure = try attach(depot, open, "secret dump", name: "dump.bin", secure: true)
        let ordinary = try attach(depot, open, "plain log", name: "plain.log")
        depot.clock.set(instant("2031-01-01T00:00:00Z"))
        #expect(try depot.database.applyRetention(at: monday.adding(seconds: 89 * 86_400), actor: TestDepot.admin) == RetentionReport())
        #expect(try depot.database.attachments(of: open).count == 2)
        let report = try depot.database.applyRetention(at: monday.adding(seconds: 90 * 86_400), actor: TestDepot.admin)
        #expect(report == RetentionReport(closedCases: 0, secureExpired: 1, filesRemoved: 1))
        #expect(try depot.database.attachments(of: open).map(\.id) == [ordinary.id])
        #expect(
            try depot.database.auditEntries(entity: "attachment", key: String(secure.id), user: nil, limit: 5)
                .contains { $0.action == "delete" && $0.reason == "secure upload older than 90 days" })
        // Years later the ordinary attachment of the open case is still there: nothing else is deleted automatically.
        #expect(try depot.database.applyRetention(at: instant("2030-01-01T00:00:00Z"), actor: TestDepot.admin) == RetentionReport())
        #expect(try depot.database.attachments(of: open).map(\.id) == [ordinary.id])
        #expect(try depot.database.caseDetail(open, now: monday).title == "Open")
        #expect(throws: DepotError.self) { try depot.database.applyRetention(at: monday, actor: TestDepot.engineer) }  // admin only
    }
}
