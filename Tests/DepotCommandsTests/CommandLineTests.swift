import Foundation
import Testing

/// Runs the built `depot` executable, as a script would.
struct Depot {
    static let binary: URL = {
        // Tests/DepotCommandsTests/<this file> -> package root -> .build/debug/depot
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let beside = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("depot")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : root.appendingPathComponent(".build/debug/depot")
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DEPOT_POLICY"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try run(arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }
}

@Suite("depot command line")
struct CommandLineTests {
    @Test("calendar holidays prints date,name rows sorted by date")
    func holidays() throws {
        let r = try Depot.run(["calendar", "holidays", "GB-ENG", "--year", "2026", "--format", "csv"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("date,name\r\n2026-01-01,New Year's Day\r\n2026-04-03,Good Friday\r\n"))
        #expect(r.stdout.hasSuffix("2026-12-25,Christmas Day\r\n2026-12-28,Boxing Day (substitute day)\r\n"))
    }

    @Test("calendar add prints the deadline in UTC, from any offset")
    func add() throws {
        let r = try Depot.run(["calendar", "add", "--region", "americas", "--from", "2026-12-24T17:30:00+01:00", "--business-hours", "10"])
        #expect(r.status == 0 && r.stdout == "2026-12-28T13:30:00Z\n")
        let e = try Depot.run([
            "calendar", "add", "--region", "americas", "--from", "2026-12-24T17:30:00+01:00", "--business-hours", "10", "--explain",
        ])
        #expect(e.stdout.contains("2026-12-24T23:00:00Z,2026-12-25T02:00:00Z,3:00:00,san-francisco\r\n"))
    }

    @Test("calendar add --from - computes one deadline per input line; a bad line fails the run and prints nothing")
    func bulk() throws {
        let r = try Depot.run(
            ["calendar", "add", "--region", "emea", "--from", "-", "--business-days", "1"],
            stdin: "2026-11-23T10:00:00Z\n2026-11-20T17:30:00Z\r\n\n2026-12-24T17:00:00+00:00\n")
        #expect(r.status == 0)
        #expect(r.stdout == "2026-11-24T10:00:00Z\n2026-11-23T17:30:00Z\n2026-12-29T17:00:00Z\n")
        let bad = try Depot.run(
            ["calendar", "add", "--region", "emea", "--from", "-", "--hours", "1"], stdin: "2026-11-23T10:00:00Z\nyesterday\n")
        #expect(bad.status != 0 && bad.stdout.isEmpty)
        #expect(bad.stderr.contains("stdin:2:") && bad.stderr.contains("\"yesterday\""))
    }

    @Test("sla prints the response and escalations sorted by time")
    func sla() throws {
        let j = try Depot.json([
            "sla", "--tier", "premium-plus", "--priority", "P1", "--region", "emea", "--opened", "2026-12-24T16:30:00Z", "--format", "json",
        ])
        #expect(j["response"] as? String == "2026-12-24T17:30:00Z")
        let escalations = j["escalations"] as? [[String: Any]] ?? []
        #expect(escalations.map { $0["target"] as? String } == ["leadership", "tam"])
        #expect(escalations.map { $0["at"] as? String } == ["2026-12-25T16:30:00Z", "2026-12-29T16:30:00Z"])
    }

    @Test("warranty prints the end date and coverage")
    func warranty() throws {
        let j = try Depot.json(["warranty", "--ship-date", "2024-01-31", "--months", "1", "--on", "2024-02-28", "--format", "json"])
        #expect(j["warrantyEnd"] as? String == "2024-02-29" && j["inWarranty"] as? Bool == true)
    }

    @Test("rma decide prints the path, ship-by (null when not known) and reason")
    func rma() throws {
        let advance = try Depot.json([
            "rma", "decide", "--tier", "premium", "--ship-date", "2020-01-10", "--months", "12",
            "--verdict-at", "2026-11-23T15:00:00Z", "--region", "americas", "--format", "json",
        ])
        #expect(advance["path"] as? String == "advance-replacement" && advance["shipBy"] as? String == "2026-11-24T15:00:00Z")
        let referral = try Depot.json([
            "rma", "decide", "--tier", "none", "--ship-date", "2020-01-10", "--months", "12",
            "--verdict-at", "2026-11-23T15:00:00Z", "--region", "americas", "--format", "json",
        ])
        #expect(referral["path"] as? String == "sales-referral" && referral["shipBy"] is NSNull)
        #expect((referral["reason"] as? String)?.contains("no active contract") == true)
    }

    @Test(
        "bad arguments give one clear line and a non-zero exit",
        arguments: [
            (["calendar", "add", "--region", "mars", "--from", "2026-01-01T00:00:00Z", "--hours", "1"], "unknown region \"mars\""),
            (
                ["calendar", "add", "--region", "emea", "--from", "2026-01-01T00:00:00", "--hours", "1"],
                "not an ISO 8601 instant with a UTC offset"
            ),
            (["calendar", "add", "--region", "emea", "--from", "2026-01-01T00:00:00Z", "--hours", "1", "--days", "2"], "exactly one of"),
            (["calendar", "holidays", "XX", "--year", "2026"], "unknown calendar \"XX\""),
            (["warranty", "--ship-date", "2024-02-30", "--months", "12"], "is not a date"),
            (["sla", "--tier", "gold", "--priority", "P1", "--region", "emea", "--opened", "2026-01-01T00:00:00Z"], "gold"),
            (["policy", "check", "/nonexistent/policy.yaml"], "/nonexistent/policy.yaml: cannot read: no such file"),
            // Negative numbers say what is wrong with them, not "Missing value".
            (["warranty", "--ship-date", "2024-01-31", "--months", "-1"], "--months -1 is outside 0 to 600"),
            (
                ["calendar", "add", "--region", "emea", "--from", "2026-01-01T00:00:00Z", "--business-hours", "-3"],
                "\"-3\" is not a non-negative number"
            ),
            (["report", "warranty-expiry", "--within-days", "-10"], "--within-days must be from 1 to 3650"),
            (["case", "list", "--limit", "-5"], "--limit -5 must be at least 1"),
            (["rma", "list", "--limit", "-5"], "--limit -5 must be at least 1"),
            // A horizon error names the instant given and what was added, not a computed deadline.
            (
                ["calendar", "add", "--region", "emea", "--from", "2100-11-01T00:00:00Z", "--days", "100"],
                "100 days after 2100-11-01T00:00:00Z lies beyond the years the business clock covers"
            ),
        ])
    func refusals(arguments: [String], message: String) throws {
        let r = try Depot.run(arguments)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
    }

    @Test("policy show prints a file that policy check accepts; a bad policy names file, line and path")
    func policy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("depot-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shown = try Depot.run(["policy", "show"])
        let good = folder.appendingPathComponent("policy.yaml")
        try shown.stdout.write(to: good, atomically: true, encoding: .utf8)
        let check = try Depot.run(["policy", "check", good.path])
        #expect(check.status == 0 && check.stdout.contains("ok"))

        let bad = folder.appendingPathComponent("bad.yaml")
        try shown.stdout.replacingOccurrences(
            of: "P2: {standard: 4 business-hours, premium: 2 business-hours",
            with: "P2: {standard: 4 business-hours, premium: 2 buisness-hours"
        )
        .write(to: bad, atomically: true, encoding: .utf8)
        let r = try Depot.run(["policy", "check", bad.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.yaml:") && r.stderr.contains(": slas.response.P2.premium: unknown unit \"buisness-hours\""))
        // --policy on another command refuses the same file.
        let sla = try Depot.run([
            "sla", "--tier", "premium", "--priority", "P2", "--region", "emea", "--opened", "2026-01-05T10:00:00Z", "--policy", bad.path,
        ])
        #expect(sla.status != 0 && sla.stdout.isEmpty)
    }

    @Test("every command has --help")
    func help() throws {
        for command in [
            [], ["calendar"], ["calendar", "holidays"], ["calendar", "add"], ["calendar", "list"], ["sla"], ["warranty"],
            ["rma"], ["rma", "decide"], ["policy"], ["policy", "show"], ["policy", "check"],
        ] {
            let r = try Depot.run(command + ["--help"])
            #expect(r.status == 0 && r.stdout.contains("USAGE"), "\(command)")
        }
    }
}
