import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Attachments over HTTP: the API's raw-body upload and the case page's multipart form.
@Suite("Attachments over HTTP")
struct AttachmentServerTests {
    static let newCase =
        #"{"customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Logs"}"#

    /// A server whose policy allows uploads of 1 MB.
    static func server() throws -> TestServer {
        let small = try PolicyLoader.load(yaml: "attachments:\n  max-megabytes: 1\n", file: "small.yaml", defaults: .builtInDefault()) {
            path in
            throw DepotError.unreadableFile(path: path, reason: "none")
        }
        return try TestServer(depot: TestDepot.withFleet(policy: small))
    }

    func storedFiles(_ server: TestServer) throws -> Int {
        try server.depot.database.storedAttachmentContents().count
    }

    @Test(
        "API: upload 201, list, download with the same bytes as a download; 400 for hostile names, empty and oversized bodies (nothing kept); 401, 403, 404, 409"
    )
    func api() async throws {
        let server = try Self.server()
        try await server.run { client in
            let base = "/api/v1/cases/CS-2026-000001/attachments"
            let engineer: HTTPFields = [.authorization: "Bearer \(server.tokens[.supportEngineer] ?? "")", .contentType: "text/plain"]
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                    body: ByteBuffer(string: Self.newCase)
                ).status == .created)
            let created = try await client.execute(
                uri: base + "?name=r%C3%A9sum%C3%A9%20%22log%22.txt&secure=true", method: .post,
                headers: engineer, body: ByteBuffer(string: "line one\nline two\n"))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let body = try json(created)
            let id = try #require(body["id"] as? Int)
            #expect(
                body["name"] as? String == "résumé \"log\".txt" && body["size"] as? Int == 18 && body["secure"] as? Bool == true
                    && body["mediaType"] as? String == "text/plain")
            // A secure upload: support engineers and admins only (not even listed to others), every download audited.
            for role in Role.allCases {
                let listed = try await client.execute(uri: base, method: .get, headers: server.auth(role))
                let text = String(buffer: listed.body)
                let shown = role.allows(.readSecureUploads)
                #expect(listed.status == .ok && text.contains("\"id\":\(id)") == shown && text.contains("sum") == shown, "\(role)")
            }
            for role in [Role.accountManager, .logistics] {
                let refused = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(role))
                #expect(refused.status == .forbidden, "\(role)")
            }
            let file = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(.supportEngineer))
            #expect(file.status == .ok && String(buffer: file.body) == "line one\nline two\n")
            let downloads = try server.depot.database.auditEntries(entity: "attachment", key: String(id), user: nil, limit: 10)
            #expect(downloads.filter { $0.action == "download" }.map(\.user) == ["user-support-engineer"])
            #expect(
                file.headers[.contentDisposition]
                    == #"attachment; filename="r_sum_ _log_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22log%22.txt"#)
            #expect(file.headers[.xContentTypeOptions] == "nosniff" && file.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true)
            #expect(file.headers[.contentType] == "text/plain")
            // A type outside the safe list is kept as uploaded but served as plain bytes.
            var html = engineer
            html[.contentType] = "text/html; charset=utf-8"
            let page = try await client.execute(
                uri: base + "?name=page.html", method: .post, headers: html, body: ByteBuffer(string: "<script>alert(1)</script>"))
            let pageID = try #require(try json(page)["id"] as? Int)
            let served = try await client.execute(uri: "/api/v1/attachments/\(pageID)", method: .get, headers: server.auth(.admin))
            #expect(served.status == .ok && served.headers[.contentType] == "application/octet-stream")

            // Refused, with nothing stored: hostile names, no name, an empty body, a body over the limit.
            for query in ["?name=..%2F..%2Fetc%2Fpasswd", "?name=evil%00.txt", "?name=a%5Cb.txt", "", "?name=x.txt&secure=maybe"] {
                let refused = try await client.execute(
                    uri: base + query, method: .post, headers: engineer, body: ByteBuffer(string: "data"))
                #expect(refused.status == .badRequest, "\(query): \(String(buffer: refused.body))")
            }
            let empty = try await client.execute(uri: base + "?name=empty.txt", method: .post, headers: engineer, body: ByteBuffer())
            #expect(empty.status == .badRequest && String(buffer: empty.body).contains("is empty"))
            let big = try await client.execute(
                uri: base + "?name=big.bin", method: .post, headers: engineer,
                body: ByteBuffer(bytes: [UInt8](repeating: 7, count: 1_000_001)))
            // Its declared length is past the limit: 413 before any of it is read.
            #expect(big.status == .contentTooLarge && String(buffer: big.body).contains("larger than the attachment limit"))
            // The two accepted uploads (the log and the HTML page), nothing of the refused ones.
            #expect(try server.depot.database.attachments(of: "CS-2026-000001").count == 2 && storedFiles(server) == 2)

            #expect(
                try await client.execute(
                    uri: base + "?name=x.txt", method: .post, headers: [.contentType: "text/plain"],
                    body: ByteBuffer(string: "x")
                ).status == .unauthorized)
            #expect(
                try await client.execute(
                    uri: base + "?name=x.txt", method: .post, headers: server.auth(.logistics),
                    body: ByteBuffer(string: "x")
                ).status == .forbidden)
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases/CS-2026-000099/attachments?name=x.txt", method: .post, headers: engineer,
                    body: ByteBuffer(string: "x")
                ).status == .notFound)
            #expect(
                try await client.execute(uri: "/api/v1/attachments/999", method: .get, headers: server.auth(.admin)).status == .notFound)
            // Closing deletes the attachment and its file; the closed case takes no new one.
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases/CS-2026-000001/close", method: .post, headers: server.auth(.supportEngineer),
                    body: ByteBuffer(string: #"{"confirmedBy": "dev@acme.example"}"#)
                ).status == .ok)
            #expect(
                try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(.admin)).status == .notFound)
            #expect(try storedFiles(server) == 0)
            #expect(
                try await client.execute(
                    uri: base + "?name=late.txt", method: .post, headers: engineer,
                    body: ByteBuffer(string: "late")
                ).status == .conflict)
        }
    }

    @Test("a sales referral has no shipping label: 409 on the API and as a page")
    func referralLabel() async throws {
        let server = try TestServer()
        let db = server.depot.database
        let number = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-OLD", impact: .high,
                urgency: .medium,
                title: "Old unit"), at: TestServer.now, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(
                serial: "GLOBEX-OLD", caseNumber: number, verdict: .defective, note: "dead", at: TestServer.now,
                actor: TestDepot.engineer
            ).rma)
        try await server.run { client in
            let api = try await client.execute(uri: "/api/v1/rmas/\(rma)/label", method: .get, headers: server.auth(.logistics))
            #expect(api.status == .conflict && String(buffer: api.body).contains("is a sales referral: nothing is shipped"))
            let browser = try await TestBrowser.signIn(client, as: .logistics)
            #expect(try await browser.get(client, "/rmas/\(rma)/label").status == .conflict)
            #expect(!String(buffer: try await browser.get(client, "/rmas/\(rma)").body).contains("label-replacement"))
        }
    }

    /// A multipart/form-data body with the CSRF field, an optional checkbox and one file.
    static func multipart(csrf: String, fileName: String, content: [UInt8], secure: Bool = false) -> (String, ByteBuffer) {
        let boundary = "----DepotTest\(UUID().uuidString)"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n")
        if secure { body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"secure\"\r\n\r\n1\r\n") }
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: text/plain\r\n\r\n")
        body.writeBytes(content)
        body.writeString("\r\n--\(boundary)--\r\n")
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    @Test(
        "case page: the upload form (multipart) attaches the file and lists it for download; hostile names, a forged form and empty files are refused"
    )
    func web() async throws {
        let server = try Self.server()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let fields = [
                "customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Logs",
            ]
            #expect(try await engineer.post(client, "/cases", fields).status == .seeOther)
            let page = String(buffer: try await engineer.get(client, "/cases/CS-2026-000001").body)
            #expect(page.contains(#"enctype="multipart/form-data""#) && page.contains("up to 1 MB"))
            func send(_ name: String, _ content: [UInt8], csrf: String? = nil, secure: Bool = false) async throws -> TestResponse {
                let (type, body) = Self.multipart(csrf: csrf ?? engineer.csrf, fileName: name, content: content, secure: secure)
                return try await client.execute(
                    uri: "/cases/CS-2026-000001/attachments", method: .post,
                    headers: [.cookie: engineer.cookie, .contentType: type], body: body)
            }
            let sent = try await send("crash <dump>.txt", Array("stack trace\r\n--not a boundary\r\n".utf8), secure: true)
            #expect(sent.status == .seeOther && sent.headers[.location] == "/cases/CS-2026-000001#attachments")
            let attachments = try server.depot.database.attachments(of: "CS-2026-000001")
            let stored = try #require(attachments.first)
            #expect(attachments.count == 1 && stored.name == "crash <dump>.txt" && stored.secure)
            #expect(
                String(decoding: try server.depot.database.attachmentContent(stored), as: UTF8.self)
                    == "stack trace\r\n--not a boundary\r\n")
            let listed = String(buffer: try await engineer.get(client, "/cases/CS-2026-000001").body)
            #expect(
                listed.contains(#"href="/attachments/\#(stored.id)""#) && listed.contains("crash &lt;dump&gt;.txt")
                    && !listed.contains("crash <dump>"))
            let download = try await engineer.get(client, "/attachments/\(stored.id)")
            #expect(download.status == .ok && String(buffer: download.body) == "stack trace\r\n--not a boundary\r\n")
            let reader = try await TestBrowser.signIn(client, as: .accountManager)
            #expect(try await reader.get(client, "/attachments/\(stored.id)").status == .forbidden, "a secure upload")
            let unlisted = String(buffer: try await reader.get(client, "/cases/CS-2026-000001").body)
            #expect(
                unlisted.contains("<h2>Attachments</h2>") && !unlisted.contains("dump") && !unlisted.contains("/attachments/\(stored.id)"))

            #expect(try await send("../../etc/passwd", Array("x".utf8)).status == .badRequest)
            #expect(try await send("nul\u{0}.txt", Array("x".utf8)).status == .badRequest)
            #expect(try await send("empty.txt", []).status == .badRequest)
            #expect(try await send("big.bin", [UInt8](repeating: 1, count: 1_000_001)).status == .contentTooLarge)
            #expect(try await send("forged.txt", Array("x".utf8), csrf: "forged").status == .forbidden)
            #expect(try server.depot.database.attachments(of: "CS-2026-000001").count == 1 && storedFiles(server) == 1)
            let accounts = try await TestBrowser.signIn(client, as: .accountManager)
            let (type, body) = Self.multipart(csrf: accounts.csrf, fileName: "x.txt", content: Array("x".utf8))
            #expect(
                try await client.execute(
                    uri: "/cases/CS-2026-000001/attachments", method: .post,
                    headers: [.cookie: accounts.cookie, .contentType: type], body: body
                ).status == .forbidden)
        }
    }

    @Test("case page: a part's headers over 8 KiB, a second file part and a body past the limit are refused; nothing is kept")
    func multipartCaps() async throws {
        let server = try Self.server()
        try await server.run { client in
            let engineer = try await TestBrowser.signIn(client, as: .supportEngineer)
            let fields = [
                "customer": "ACME", "contact": "dev@acme.example", "type": "question", "impact": "low", "urgency": "low", "title": "Logs",
            ]
            #expect(try await engineer.post(client, "/cases", fields).status == .seeOther)
            let boundary = "----DepotCaps"
            func send(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/cases/CS-2026-000001/attachments", method: .post,
                    headers: [.cookie: engineer.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: ByteBuffer(string: body))
            }
            let csrf = "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(engineer.csrf)\r\n"
            func file(_ name: String, _ content: String, extra: String = "") -> String {
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n\(extra)\r\n\(content)\r\n"
            }
            // One header line of 1 MB (never ended), and many short ones: both stop at the cap.
            let long = try await send(csrf + "--\(boundary)\r\nX-Long: " + String(repeating: "a", count: 1 << 20))
            #expect(long.status == .badRequest && String(buffer: long.body).contains("longer than 8 KiB"))
            let many = String(repeating: "X-Pad: 0123456789\r\n", count: 1000)
            let manyLines = try await send(csrf + file("a.txt", "hello", extra: many) + "--\(boundary)--\r\n")
            #expect(manyLines.status == .badRequest && String(buffer: manyLines.body).contains("longer than 8 KiB"))
            // Headers just under the cap are fine.
            let fine = try await send(
                csrf + file("ok.txt", "hello", extra: "X-Pad: " + String(repeating: "b", count: 7000) + "\r\n") + "--\(boundary)--\r\n")
            #expect(fine.status == .seeOther)
            let two = try await send(csrf + file("one.txt", "first") + file("two.txt", "second") + "--\(boundary)--\r\n")
            #expect(two.status == .badRequest && String(buffer: two.body).contains("one file at a time"))
            // A file past the limit (1 MB here) is refused as it arrives; so is a body past the limit plus the overhead,
            // whatever it is made of (here parts with long headers and no content).
            let big = try await send(csrf + file("big.bin", String(repeating: "z", count: 1_000_001)) + "--\(boundary)--\r\n")
            #expect(big.status == .contentTooLarge)
            let padded = "X-Pad: " + String(repeating: "c", count: 7000) + "\r\n"
            let parts = String(repeating: "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\(padded)\r\n\r\n", count: 180)
            let huge = try await send(csrf + parts + "--\(boundary)--\r\n")
            #expect(huge.status == .contentTooLarge)
            let stored = try server.depot.database.attachments(of: "CS-2026-000001")
            #expect(try stored.map(\.name) == ["ok.txt"] && storedFiles(server) == 1)
        }
    }

    @Test("a download is streamed in pieces with its length; a stored file changed afterwards is cut short, never served whole")
    func streamedDownload() async throws {
        let server = try Self.server()
        let content = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await server.run { client in
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: Self.newCase)
                ).status == .created)
            var headers = server.auth(.supportEngineer)
            headers[.contentType] = "application/octet-stream"
            let created = try await client.execute(
                uri: "/api/v1/cases/CS-2026-000001/attachments?name=core.bin", method: .post, headers: headers,
                body: ByteBuffer(bytes: content))
            let id = try #require(try json(created)["id"] as? Int)
            let file = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(.logistics))
            #expect(file.status == .ok && file.headers[.contentLength] == "700000" && Array(buffer: file.body) == content)
            // The stored file changes behind Depot's back (same length, one byte): the download does not complete.
            let stored = try #require(try server.depot.database.attachments(of: "CS-2026-000001").first)
            if let folder = server.depot.database.attachmentDirectory {
                let path = "\(folder)/\(stored.sha256.prefix(2))/\(stored.sha256)"
                var bytes = try #require(FileManager.default.contents(atPath: path))
                bytes[650_000] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: path))
            } else {
                _ = try server.depot.outside { db in
                    try db.execute("UPDATE attachment_chunk SET data = ? WHERE sha256 = ? AND seq = 0", [Data(count: 10), stored.sha256])
                }
            }
            do {
                let cut = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(.logistics))
                // Never the whole length: the last piece waits for the hash, which fails.
                #expect(cut.body.readableBytes < content.count, "\(cut.body.readableBytes) bytes")
            } catch {
                // The connection was cut: what a client sees when the length promised does not arrive.
            }
            #expect(throws: DepotError.self) { try server.depot.database.attachmentContent(stored) }
            // Gone altogether: a 503 before anything is sent, which does not name the server's files.
            if let folder = server.depot.database.attachmentDirectory {
                try FileManager.default.removeItem(atPath: "\(folder)/\(stored.sha256.prefix(2))/\(stored.sha256)")
                let gone = try await client.execute(uri: "/api/v1/attachments/\(id)", method: .get, headers: server.auth(.logistics))
                #expect(gone.status == .serviceUnavailable && !String(buffer: gone.body).contains(folder))
                #expect(!String(buffer: gone.body).contains(stored.sha256))
            }
            let long = String(repeating: "K", count: 5000)
            let unknown = try await client.execute(uri: "/api/v1/customers/\(long)", method: .get, headers: server.auth(.logistics))
            #expect(unknown.status == .notFound && unknown.body.readableBytes < 300, "a long key is not echoed whole")
        }
    }
}
