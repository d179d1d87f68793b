import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// Runs a program and returns its standard output; a missing program fails the test with what to install.
/// Output goes to a file, not a pipe: a helper the program may start (rsvg-convert tries D-Bus) could hold a
/// pipe open after the program ends, and reading to its end would wait for that helper.
private func run(_ program: String, _ arguments: [String], in folder: TemporaryFolder) throws -> (status: Int32, output: String) {
    guard let path = ["/usr/bin/", "/usr/local/bin/"].map({ $0 + program }).first(where: FileManager.default.isExecutableFile) else {
        Issue.record("\(program) is missing: Scripts/test installs it (Debian's librsvg2-bin and zbar-tools)")
        return (-1, "")
    }
    let outputPath = folder.path + "/\(program)-\(UUID().uuidString).out"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    defer { try? output.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS": "disabled:", "NO_AT_BRIDGE": "1"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
}

@Suite("RMA labels")
struct LabelTests {
    func advanceReplacement(_ depot: TestDepot) throws -> RMANumber {
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high, urgency: .medium,
                title: "Unit does not boot"),
            at: monday, actor: TestDepot.engineer)
        return try #require(
            try db.diagnose(
                serial: "ACME-1", caseNumber: number, verdict: .defective, note: "PSU dead", at: monday,
                actor: TestDepot.engineer
            ).rma)
    }

    @Test("the barcode of both labels decodes to the RMA number with an independent reader (zbarimg on an rsvg-convert PNG)")
    func decodes() throws {
        let depot = try TestDepot.withFleet()
        let rma = try advanceReplacement(depot)
        #expect(throws: DepotError.self) { try depot.database.rmaLabel(rma, direction: .replacement) }  // nothing allocated yet
        try depot.database.allocate(rma: rma, at: instant("2026-11-23T16:00:00Z"), actor: TestDepot.logistics)
        try depot.database.ship(
            rma: rma, carrier: "UPS", tracking: "1Z999AA10123456784", at: instant("2026-11-23T20:00:00Z"), actor: TestDepot.logistics)
        for direction in [ShippingLabel.Direction.replacement, .return] {
            let label = try depot.database.rmaLabel(rma, direction: direction)
            let svg = depot.folder.write("\(direction.rawValue).svg", try label.svg())
            let png = depot.folder.path + "/\(direction.rawValue).png"
            #expect(
                try run(
                    "rsvg-convert", ["--dpi-x", "300", "--dpi-y", "300", "--background-color", "white", "-o", png, svg], in: depot.folder
                ).status == 0)
            let decoded = try run("zbarimg", ["--quiet", "--raw", png], in: depot.folder)
            #expect(
                decoded.status == 0 && decoded.output.trimmingCharacters(in: .whitespacesAndNewlines) == rma.text,
                "\(direction): \(decoded.output)")
        }
    }

    @Test("the replacement label goes from the depot to the site with carrier and tracking; the return label the other way")
    func contents() throws {
        let depot = try TestDepot.withFleet()
        let rma = try advanceReplacement(depot)
        try depot.database.allocate(rma: rma, at: instant("2026-11-23T16:00:00Z"), actor: TestDepot.logistics)
        try depot.database.ship(
            rma: rma, carrier: "UPS", tracking: "1Z999", at: instant("2026-11-23T20:00:00Z"), actor: TestDepot.logistics)
        let out = try depot.database.rmaLabel(rma, direction: .replacement)
        #expect(out.shipTo.lines == ["Acme Corp", "New York", "1 Broadway", "New York", "US"])
        #expect(out.returnTo.lines == ["Depot Memphis", "4100 Depot Way", "Memphis TN 38118", "US"])
        #expect(out.serials == ["Replacement SPARE-US-1", "for defective ACME-1"] && out.carrier == "UPS" && out.tracking == "1Z999")
        let back = try depot.database.rmaLabel(#require(RMANumber(rma.text.lowercased())), direction: .return)
        #expect(back.shipTo == out.returnTo && back.returnTo == out.shipTo && back.carrier == nil)
        #expect(back.serials == ["Defective ACME-1", "replaced by SPARE-US-1"])
        let svg = try out.svg()
        #expect(svg.hasPrefix("<?xml") && svg.contains(#"width="100mm" height="150mm""#) && svg.contains(">\(rma)</text>"))
        #expect(svg.contains("Carrier UPS · tracking 1Z999"))
        #expect(throws: DepotError.notFound(kind: "RMA", key: "RMA-2026-999999")) {
            try depot.database.rmaLabel("RMA-2026-999999", direction: .return)
        }
    }

    @Test("text on a label is XML-escaped; a sales referral has no label")
    func escapedAndRefused() throws {
        let label = ShippingLabel(
            rma: "RMA-2026-000001", direction: .return,
            shipTo: .init(lines: ["<script>alert(1)</script>", "Q&A \"Dept\"\u{1}"]), returnTo: .init(lines: ["Depot"]),
            model: "DX-100", serials: ["SN-1"], carrier: nil, tracking: nil)
        let svg = try label.svg()
        #expect(
            !svg.contains("<script>") && svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && svg.contains("Q&amp;A &quot;Dept&quot; "))
        let depot = try TestDepot.withFleet()
        let number = try depot.database.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-OLD", impact: .high,
                urgency: .medium,
                title: "Old"), at: instant("2026-11-23T15:00:00Z"), actor: TestDepot.engineer)
        let referral = try #require(
            try depot.database.diagnose(
                serial: "GLOBEX-OLD", caseNumber: number, verdict: .defective, note: "x",
                at: instant("2026-11-23T15:00:00Z"), actor: TestDepot.engineer
            ).rma)
        #expect(throws: DepotError.refused(subject: referral.text, reason: "is a sales referral: nothing is shipped")) {
            try depot.database.rmaLabel(referral, direction: .return)
        }
    }
}
