import DepotCore
import DepotTestSupport
import Foundation
import Testing

@testable import DepotStore

/// Every JSON document the store answers with (the command line's `--format json` and the API's bodies) holds one
/// key per stored property of its type, `null` for an absent value: a property added to a type cannot silently
/// drop out of the contract, and a nil one is never left out (see `NullEncodable`).
@Suite("JSON contracts: one key per property")
struct JSONContractTests {
    static let monday = Instant(iso: "2026-11-23T15:00:00Z")!

    /// The contract's problems: a key count unlike the property count, in `value` and in the first element of each
    /// list it holds.
    static func problems(_ value: any Encodable, _ name: String) throws -> [String] {
        let mirror = Mirror(reflecting: value)
        let properties = mirror.children.compactMap(\.label).map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 }
        guard let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] else {
            return ["\(name) is not a JSON object"]
        }
        var found: [String] = []
        if object.count != properties.count {
            found.append("\(name): keys \(object.keys.sorted()) against properties \(properties.sorted())")
        }
        for child in mirror.children {
            // Lists of documents are checked too; serials and numbers are structs that encode as one string.
            guard let list = child.value as? [any Encodable], let first = list.first, Mirror(reflecting: first).displayStyle == .struct,
                !(first is any Identifier)
            else { continue }
            found += try problems(first, "\(name).\(child.label ?? "?")[0]")
        }
        return found
    }

    @Test("every contract of the store, with its absent values present as null")
    func everyContract() throws {
        let depot = try TestDepot.withFleet()
        let database = depot.database
        let fault = try database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .medium, urgency: .medium,
                title: "Unit reboots"),
            at: Self.monday, actor: TestDepot.engineer)
        let question = try database.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, serial: nil, impact: .low, urgency: .low, title: "How?"),
            at: Self.monday, actor: TestDepot.engineer)
        try database.advanceCase(question, .wait, note: "logs", at: Self.monday.adding(seconds: 60), actor: TestDepot.engineer)
        let diagnosis = try database.diagnose(
            serial: "ACME-1", caseNumber: fault, verdict: .defective, note: "PSU", at: Self.monday.adding(seconds: 120),
            actor: TestDepot.engineer)
        let rma = try #require(diagnosis.rma)
        let upload = try database.beginUpload()
        try upload.append(Array("log line".utf8))
        let attachment = try database.attach(
            upload, to: fault, name: "boot.log", mediaType: nil, secure: false, at: Self.monday.adding(seconds: 180),
            actor: TestDepot.engineer)
        _ = try database.queueTestNotification(target: .logistics, customer: nil, at: Self.monday, actor: TestDepot.admin)
        _ = try database.addEndpoint(
            target: .logistics, url: "https://hooks.example/l", sealedSecret: Data([1, 2, 3]), customer: nil, format: .json,
            at: Self.monday,
            actor: TestDepot.admin)
        let later = Instant(iso: "2026-12-30T15:00:00Z")!
        let documents: [(String, [any Encodable])] = [
            ("UnitDetail", [try database.unitDetail("ACME-1"), try database.unitDetail("GLOBEX-1")]),
            ("UnitSummary", try database.units(status: .inStock, limit: 2)),
            ("CaseDetail", [try database.caseDetail(fault, now: Self.monday), try database.caseDetail(question, now: Self.monday)]),
            ("CaseSummary", try database.cases(CaseFilter(), now: Self.monday)),
            ("RMADetail", [try database.rmaDetail(rma, now: Self.monday)]),
            ("CustomerSummary", try database.customers(at: Self.monday)),
            ("CustomerDetail", [try database.customerDetail("ACME", at: Self.monday)]),
            ("AuditEntry", try database.auditEntries(limit: 50)),
            ("DiagnosisOutcome", [diagnosis]),
            ("CaseAttachment", [attachment]),
            ("QueuedNotification", try database.notifications()),
            ("WebhookEndpoint", try database.endpoints()),
            ("FiredEscalation", try database.escalate(at: later, actor: TestDepot.admin)),
            // Recomputing under an unchanged policy changes nothing: a change as `depot sla recompute` reports one.
            ("DeadlineChange", [DeadlineChange(caseNumber: fault.text, deadline: "response", was: nil, now: later)]),
            ("RetentionReport", [try database.applyRetention(at: later, actor: TestDepot.admin)]),
            (
                "CustomerExport",
                [try database.exportCustomer("ACME", to: depot.folder.path + "/acme.zip", at: later, actor: TestDepot.admin)]
            ),
            ("ContactErasure", [try database.eraseContacts(of: "ACME", contact: nil, at: later, actor: TestDepot.admin)]),
        ]
        var all: [String] = []
        for (name, values) in documents {
            #expect(!values.isEmpty, "no \(name) to check")
            for value in values { all += try Self.problems(value, name) }
        }
        #expect(all.isEmpty, "\(all.joined(separator: "\n"))")
        // The absent values are there, as null.
        let unit = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try database.unitDetail("GLOBEX-1"))) as? [String: Any]
        #expect(unit?["replaces"] is NSNull)
    }

    @Test("the check itself fails a type whose optional drops out of its document")
    func checkFails() throws {
        struct Leaky: Encodable {
            let a: String
            let b: String?
        }
        struct Tight: Encodable {
            let a: String
            @NullEncodable var b: String?
        }
        #expect(try Self.problems(Leaky(a: "x", b: nil), "Leaky").count == 1)
        #expect(try Self.problems(Tight(a: "x", b: nil), "Tight").isEmpty)
    }
}
