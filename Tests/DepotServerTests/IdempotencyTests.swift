import DepotCore
import DepotServer
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

private let newCase = """
    {"customer": "ACME", "contact": "dev@acme.example", "type": "hardware-fault", "serial": "ACME-1",
     "impact": "high", "urgency": "medium", "title": "Unit reboots", "description": "since Monday"}
    """

@Suite("API: Idempotency-Key")
struct IdempotencyTests {
    func keyed(_ server: TestServer, _ role: Role, _ key: String) -> HTTPFields {
        var headers = server.auth(role)
        headers[.init("Idempotency-Key")!] = key
        return headers
    }

    func caseCount(_ server: TestServer) throws -> Int { try server.depot.database.cases(CaseFilter(), now: TestServer.now).count }

    @Test("a retried POST answers the first answer (marked replayed) and creates nothing; the key with another body is a 422")
    func retried() async throws {
        let server = try TestServer()
        try await server.run { client in
            var first: ByteBuffer?
            for attempt in 0..<3 {
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "open-acme-1"),
                    body: ByteBuffer(string: newCase)
                ) { response in
                    #expect(response.status == .created)
                    #expect(response.headers[.init("Idempotent-Replayed")!] == (attempt == 0 ? nil : "true"))
                    if let first { #expect(response.body == first) } else { first = response.body }
                }
            }
            #expect(first.map { String(buffer: $0) } == #"{"case":"CS-2026-000001"}"#)
            #expect(try caseCount(server) == 1)
            // The same key for a different request: refused, nothing created.
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "open-acme-1"),
                body: ByteBuffer(string: newCase.replacingOccurrences(of: "Unit reboots", with: "Fan noise"))
            ) { response in
                let code = try errorCode(response)
                #expect(response.status == .unprocessableContent && code == "idempotency-key-reused")
            }
            // The same key with a request that would be refused on its own: still the key's mismatch first, as on
            // every other keyed route.
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "open-acme-1"),
                body: ByteBuffer(string: newCase.replacingOccurrences(of: "Unit reboots", with: ""))
            ) { response in
                let code = try errorCode(response)
                #expect(response.status == .unprocessableContent && code == "idempotency-key-reused")
            }
            // A text holding U+0000 is refused before anything runs (SQLite would cut it, PostgreSQL refuse it);
            // an escaped backslash before "u0000" is text.
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "nul"),
                body: ByteBuffer(string: newCase.replacingOccurrences(of: "Unit reboots", with: #"Unit\u0000reboots"#))
            ) { response in
                let code = try errorCode(response)
                #expect(response.status == .badRequest && code == "invalid")
            }
            #expect(try caseCount(server) == 1)
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: newCase.replacingOccurrences(of: "Unit reboots", with: #"C:\\u0000 path"#))
            ) { response in
                #expect(response.status == .created)
            }
            #expect(try caseCount(server) == 2)
            // Keys are per user: another user's same key is another request.
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .admin, "open-acme-1"), body: ByteBuffer(string: newCase)
            ) { response in
                let body = try json(response)
                #expect(response.status == .created && body["case"] as? String == "CS-2026-000003")
            }
            // Without a key every POST is a request of its own.
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
                ) {
                    #expect($0.status == .created && $0.headers[.init("Idempotent-Replayed")!] == nil)
                }
            }
            #expect(try caseCount(server) == 5)
        }
    }

    @Test("many retries at once with one key: one case, every answer the same number")
    func concurrent() async throws {
        let server = try TestServer()
        try await server.run { client in
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "burst"),
                            body: ByteBuffer(string: newCase)
                        ) { response in
                            response.status == .created ? try json(response)["case"] as? String : nil
                        }
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(numbers.count == 12 && Set(numbers) == ["CS-2026-000001"])
            #expect(try caseCount(server) == 1)
        }
    }

    @Test("steps with a key: a retried respond answers 200 again instead of 409; a retried diagnosis makes one RMA and allocates one spare")
    func steps() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .created)
            }
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/cases/CS-2026-000001/respond", method: .post, headers: keyed(server, .supportEngineer, "respond-1"),
                    body: ByteBuffer(string: "{}")
                ) { response in
                    let body = try json(response)
                    #expect(response.status == .ok && body["status"] as? String == "responded")
                }
            }
            try await client.execute(
                uri: "/api/v1/cases/CS-2026-000001/respond", method: .post, headers: server.auth(.supportEngineer),
                body: ByteBuffer(string: "{}")
            ) { #expect($0.status == .conflict) }
            let diagnosis = #"{"serial": "ACME-1", "case": "CS-2026-000001", "verdict": "defective", "note": "PSU dead"}"#
            var answers: [ByteBuffer] = []
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/v1/diagnoses", method: .post, headers: keyed(server, .supportEngineer, "diagnose-acme-1"),
                    body: ByteBuffer(string: diagnosis)
                ) { response in
                    #expect(response.status == .created)
                    answers.append(response.body)
                }
            }
            #expect(Set(answers).count == 1)
            let rmas = try server.depot.database.rmas(RMAFilter(), now: TestServer.now)
            #expect(rmas.count == 1)
            let allocated = try server.depot.outside { db in
                try db.value(Int.self, "SELECT count(*) FROM appliance WHERE status = 'allocated'")
            }
            #expect(allocated == (rmas.first?.replacementSerial == nil ? 0 : 1))
        }
    }

    @Test("a request that failed records nothing: the key works for the corrected request; bad keys are a 400")
    func failuresAndBadKeys() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "fix-me"),
                body: ByteBuffer(string: newCase.replacingOccurrences(of: "\"ACME\"", with: "\"NOBODY\""))
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, "fix-me"), body: ByteBuffer(string: newCase)
            ) { #expect($0.status == .created) }
            for bad in ["", "   ", String(repeating: "k", count: 256), "schlüssel"] {
                try await client.execute(
                    uri: "/api/v1/cases", method: .post, headers: keyed(server, .supportEngineer, bad), body: ByteBuffer(string: newCase)
                ) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
            #expect(try caseCount(server) == 1)
        }
    }

    @Test("a retried upload stores one attachment; recorded answers are forgotten by retention after a day")
    func uploadAndRetention() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: server.auth(.supportEngineer), body: ByteBuffer(string: newCase)
            ) {
                #expect($0.status == .created)
            }
            var headers = keyed(server, .supportEngineer, "upload-syslog")
            headers[.contentType] = "text/plain"
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/cases/CS-2026-000001/attachments?name=syslog.txt", method: .post, headers: headers,
                    body: ByteBuffer(string: "kernel: panic\n")
                ) { #expect($0.status == .created) }
            }
            try await client.execute(
                uri: "/api/v1/cases/CS-2026-000001/attachments?name=syslog.txt", method: .post, headers: headers,
                body: ByteBuffer(string: "another file\n")
            ) { #expect($0.status == .unprocessableContent) }
            #expect(try server.depot.database.attachments(of: "CS-2026-000001").count == 1)
        }
        let kept = try server.depot.database.applyRetention(at: TestServer.now.adding(seconds: 3600), actor: TestDepot.admin)
        #expect(kept.answersForgotten == 0)
        let forgotten = try server.depot.database.applyRetention(at: TestServer.now.adding(seconds: 86_400 + 60), actor: TestDepot.admin)
        #expect(forgotten.answersForgotten == 1)
    }
}
