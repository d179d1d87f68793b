import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

/// SPEC.md 3, "who may open what": the type of a case decides whether it needs a contract and whether any clock runs.
@Suite("Who may open what")
struct CaseTypeTests {
    static let at = Instant(iso: "2026-11-23T15:00:00Z")!

    static func request(_ customer: String, _ contact: String, _ type: CaseType, serial: Serial? = nil) -> NewCase {
        NewCase(customer: customer, contact: contact, type: type, serial: serial, impact: .high, urgency: .high, title: type.rawValue)
    }

    @Test("without an active contract: questions and product defects are refused naming the rule; the other types open")
    func contract() throws {
        let depot = try TestDepot.withFleet()
        let audit = try AuditSnapshot.capture(depot.database)
        for type in [CaseType.question, .productDefect] {
            #expect {
                try depot.database.openCase(Self.request("NOCON", "it@nocon.example", type), at: Self.at, actor: TestDepot.engineer)
            } throws: { error in
                guard case DepotError.refused(let subject, let reason) = error else { return false }
                return subject == type.rawValue && reason.contains("needs an active contract")
                    && reason.contains("\"NOCON\" has none on 2026-11-23")
            }
        }
        // Nothing of the refusals was written.
        #expect(try depot.database.cases(CaseFilter(), now: Self.at).isEmpty)
        #expect(try AuditSnapshot.capture(depot.database).count == audit.count)
        var request = Self.request("NOCON", "it@nocon.example", .hardwareFault, serial: "NOCON-1")
        request.priority = .p2
        request.priorityReason = "a plain contact"
        let fault = try depot.database.openCase(request, at: Self.at, actor: TestDepot.engineer)
        #expect(try depot.database.caseDetail(fault, now: Self.at).responseDue == nil)
        for type in [CaseType.enhancement, .customDevelopment] {
            var request = Self.request("NOCON", "it@nocon.example", type)
            (request.priority, request.priorityReason) = (.p4, "no timeframe")
            _ = try depot.database.openCase(request, at: Self.at, actor: TestDepot.engineer)
        }
        // The same day, with a contract, a question opens (ACME's ends 2026-12-31).
        _ = try depot.database.openCase(Self.request("ACME", "ops@acme.example", .question), at: Self.at, actor: TestDepot.engineer)
        #expect(try depot.database.invariantViolations() == [])
    }

    @Test("enhancements and custom development get no response deadline and no escalation, also after a recompute")
    func noTimeframe() throws {
        let depot = try TestDepot.withFleet()
        var numbers: [CaseType: CaseNumber] = [:]
        for type in [CaseType.enhancement, .customDevelopment, .question] {
            numbers[type] = try depot.database.openCase(
                Self.request("ACME", "ops@acme.example", type), at: Self.at, actor: TestDepot.engineer)
        }
        _ = try depot.database.recomputeDeadlines(nil, at: Self.at.adding(seconds: 60), actor: TestDepot.admin)
        for (type, number) in numbers {
            let detail = try depot.database.caseDetail(number, now: Self.at)
            let promised = type == .question
            #expect((detail.responseDue != nil) == promised, "\(type)")
            #expect(detail.escalations.isEmpty == !promised, "\(type)")
            // The JSON says so too: "responseDue": null and no escalations.
            let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(detail)) as? [String: Any])
            #expect((json["responseDue"] is NSNull) == !promised)
        }
        // Custom development is referred to professional services at once; the others notify nobody on opening.
        let custom = numbers[.customDevelopment]!.text
        #expect(
            try depot.database.pendingNotifications().map { "\($0.event) \($0.target) \($0.subject) \($0.key)" } == [
                "custom-development professional-services \(custom) custom-development:\(custom)@professional-services"
            ])
        // A year later nothing has escalated but the question.
        let fired = try depot.database.escalate(at: Self.at.adding(seconds: 400 * 86_400), actor: TestDepot.admin)
        #expect(Set(fired.map(\.caseNumber)) == [numbers[.question]!.text])
    }

    @Test("a case on a version outside the support policy is accepted and flagged with the policy's reason (SPEC 3)")
    func unsupportedVersion() throws {
        let depot = try TestDepot.withFleet()
        try depot.importAll([(.releases, "version,released_on\n6.0,2026-03-01\n6.1,2026-06-01\n6.2,2026-09-01\n")])
        let late = Instant(iso: "2027-10-01T15:00:00Z")!
        func open(_ version: String?, serial: Serial? = nil, type: CaseType = .enhancement, at: Instant = late) throws -> CaseDetail {
            let request = NewCase(
                customer: "ACME", contact: "ops@acme.example", type: type, serial: serial, impact: .low, urgency: .low, title: "v",
                softwareVersion: version)
            return try depot.database.caseDetail(try depot.database.openCase(request, at: at, actor: TestDepot.engineer), now: at)
        }
        // 6.2 is current: 5.1 is past the three newest lines and its 24 months (2025-09-01 to 2027-09-01).
        let old = try open("5.1")
        #expect(old.unsupportedVersion && old.unsupportedVersionReason?.contains("is not among the 3 newest release lines") == true)
        #expect(old.unsupportedVersionReason?.contains("ended on 2027-09-01") == true)
        let current = try open("6.0")
        #expect(!current.unsupportedVersion && current.unsupportedVersionReason == nil)
        // The opening day decides: on 2026-11-23 5.1 was within its 24 months.
        #expect(try !open("5.1", at: Self.at).unsupportedVersion)
        // Without a version given, the unit's installed one (ACME-1 runs 5.1); no version at all is not judged.
        let fault = try open(nil, serial: "ACME-1", type: .hardwareFault)
        #expect(fault.unsupportedVersion && fault.softwareVersion == "5.1")
        #expect(try !open(nil).unsupportedVersion)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as? [String: Any])
        #expect(json["unsupportedVersion"] as? Bool == true && (json["unsupportedVersionReason"] as? String)?.isEmpty == false)
        #expect(try depot.database.invariantViolations() == [])
    }
}
