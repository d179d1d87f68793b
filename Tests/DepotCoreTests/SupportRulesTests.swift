import Testing

@testable import DepotCore

@Suite("rules: who may report what, the designated-contact cap, closing")
struct SupportRulesTests {
    @Test(
        "P1 only from a designated contact under an active contract (SPEC 1, 3)",
        arguments: [
            (true, Tier?.some(.standard), false), (true, .premium, false), (true, .premiumPlus, false), (true, nil, true),
            (false, .premiumPlus, true), (false, nil, true),
        ])
    func p1(designated: Bool, tier: Tier?, refused: Bool) {
        let refusal = CaseRules.p1Refusal(
            contact: "ops@acme.example", designated: designated, customer: "ACME", activeTier: tier, on: day("2026-11-30"))
        #expect((refusal != nil) == refused)
        guard case .refused(let subject, let reason)? = refusal else { return }
        #expect(subject == "P1")
        // The reason says which condition failed (the contact first) and how to open the case instead.
        #expect(
            reason.contains(
                designated ? "customer \"ACME\" has no active contract on 2026-11-30" : "ops@acme.example is not a designated contact"))
        #expect(reason.hasSuffix("Open it as P2 (priority P2 with a reason).") && !reason.contains("--"))
    }

    @Test("software support needs an active contract; hardware faults, enhancements and custom development do not (SPEC 3)")
    func contractNeeded() {
        for type in CaseType.allCases {
            let withContract = CaseRules.contractRefusal(type: type, customer: "NOCON", activeTier: .standard, on: day("2026-11-30"))
            #expect(withContract == nil, "\(type) with a contract")
            let without = CaseRules.contractRefusal(type: type, customer: "NOCON", activeTier: nil, on: day("2026-11-30"))
            #expect((without != nil) == (type == .question || type == .productDefect), "\(type) without a contract")
            guard case .refused(let subject, let reason)? = without else { continue }
            #expect(subject == type.rawValue)
            #expect(reason.contains("software support (question, product-defect) needs an active contract"))
            #expect(reason.contains("customer \"NOCON\" has none on 2026-11-30"))
        }
    }

    @Test("enhancements and custom development promise no timeframe: no response deadline, no escalation (SPEC 3)")
    func noTimeframe() throws {
        let (table, clock) = (Defaults.policy.slas, Defaults.emea)
        let opened = Instant(iso: "2026-11-30T10:00:00Z")!
        for type in CaseType.allCases {
            let deadlines = try table.deadlines(type: type, tier: .premiumPlus, priority: .p1, opened: opened, clock: clock)
            let promised = type != .enhancement && type != .customDevelopment
            #expect(CaseRules.promisesTimeframe(type) == promised)
            #expect((deadlines.response != nil) == promised && deadlines.escalations.isEmpty == !promised, "\(type)")
            if promised {
                #expect(deadlines == (try table.deadlines(tier: .premiumPlus, priority: .p1, opened: opened, clock: clock)))
            }
        }
    }

    @Test("a designated contact must be certified; a certified one need not be designated (SPEC 3)")
    func certification() {
        #expect(DesignatedContacts.certificationProblem(designated: true, certified: true) == nil)
        #expect(DesignatedContacts.certificationProblem(designated: false, certified: true) == nil)
        #expect(DesignatedContacts.certificationProblem(designated: false, certified: false) == nil)
        #expect(
            DesignatedContacts.certificationProblem(designated: true, certified: false)?.hasPrefix("a designated contact must be certified")
                == true)
        // And P1: a designated contact without certification is refused, naming why.
        let refusal = CaseRules.p1Refusal(
            contact: "ops@acme.example", designated: true, certified: false, customer: "ACME", activeTier: .premium, on: day("2026-11-30"))
        guard case .refused("P1", let reason)? = refusal else {
            Issue.record("no refusal")
            return
        }
        #expect(reason.contains("ops@acme.example is designated but not certified"))
    }

    @Test("the contract active on the day caps the designated contacts; none active allows none (SPEC 1, 3)")
    func designatedCap() throws {
        let day = try #require(LocalDate(iso: "2026-11-23"))
        #expect(DesignatedContacts.capProblem(customer: "ACME", designated: 3, cap: 3, on: day) == nil)
        #expect(DesignatedContacts.capProblem(customer: "ACME", designated: 0, cap: nil, on: day) == nil)
        #expect(
            DesignatedContacts.capProblem(customer: "ACME", designated: 4, cap: 3, on: day)
                == "customer \"ACME\" would have 4 designated contacts; its contract active on 2026-11-23 allows 3")
        #expect(
            DesignatedContacts.capProblem(customer: "ACME", designated: 1, cap: nil, on: day)
                == "customer \"ACME\" would have 1 designated contact; it has no contract active on 2026-11-23, which allows none")
        func contract(_ start: String, _ end: String, _ cap: Int) throws -> DesignatedContacts.Contract {
            DesignatedContacts.Contract(
                start: try #require(LocalDate(iso: start)), end: try #require(LocalDate(iso: end)), maxContacts: cap)
        }
        // The expired contract's cap and the next one's do not count; while two overlap, the larger cap does.
        let contracts = [
            try contract("2025-01-01", "2025-12-31", 9), try contract("2026-01-01", "2026-12-31", 2),
            try contract("2026-12-01", "2027-11-30", 4), try contract("2027-12-01", "2028-11-30", 7),
        ]
        #expect(DesignatedContacts.cap(of: contracts, on: day) == 2)
        #expect(DesignatedContacts.cap(of: contracts, on: try #require(LocalDate(iso: "2026-12-01"))) == 4)
        #expect(DesignatedContacts.cap(of: contracts, on: try #require(LocalDate(iso: "2026-12-31"))) == 4)
        #expect(DesignatedContacts.cap(of: contracts, on: try #require(LocalDate(iso: "2024-12-31"))) == nil)
        #expect(DesignatedContacts.cap(of: contracts, on: try #require(LocalDate(iso: "2025-12-31"))) == 9)
    }

    @Test("a case closes only with the confirming contact of its own customer (SPEC 3)")
    func closing() throws {
        for missing in [nil, "", "  "] as [String?] {
            #expect(throws: DepotError.self) { try CaseRules.confirmingContact(missing) }
        }
        #expect(try CaseRules.confirmingContact("ops@acme.example") == "ops@acme.example")
        try CaseRules.checkConfirmation(by: "ops@acme.example", isContactOfCaseCustomer: true)
        #expect(throws: DepotError.refused(subject: "it@globex.example", reason: "is not a contact of this case's customer")) {
            try CaseRules.checkConfirmation(by: "it@globex.example", isContactOfCaseCustomer: false)
        }
    }

    @Test("an RMA closes with an outcome exactly when it is a sales referral (SPEC 4)", arguments: RMAPath.allCases)
    func rmaClosing(path: RMAPath) {
        for outcome in [nil] + ReferralOutcome.allCases.map(Optional.some) {
            let fits = (path == .salesReferral) == (outcome != nil)
            #expect((try? RMAClosing.check(path: path, outcome: outcome)) != nil || !fits)
            #expect((try? RMAClosing.check(path: path, outcome: outcome)) == nil || fits)
        }
    }
}

@Suite("rules: which spare replaces a defective unit")
struct SpareAllocationTests {
    static let now = at("2026-11-30T12:00:00Z")

    static func spare(_ serial: String, _ model: String, _ depot: String, _ region: String, moved: String? = nil) -> SpareCandidate {
        SpareCandidate(serial: serial, model: model, depot: depot, depotRegion: region, movedAt: moved.map { at($0) })
    }

    @Test("same model before successor, the site's region before others, then depot and serial by their bytes (SPEC 4)")
    func preference() {
        let candidates = [
            Self.spare("S-9", "DX-200", "LON", "emea"),  // successor, in the region
            Self.spare("S-5", "DX-100", "NYC", "americas"),  // same model, elsewhere
            Self.spare("S-3", "DX-100", "FRA", "emea"),  // same model, in the region
            Self.spare("S-1", "DX-100", "LON", "emea"),  // same model, in the region, later depot
            Self.spare("S-0", "EDGE-10", "FRA", "emea"),  // another model
        ]
        func pick(_ spares: [SpareCandidate], successor: String? = "DX-200") -> String? {
            SpareAllocation.preferred(among: spares, model: "DX-100", successor: successor, region: "emea", at: Self.now)?.serial
        }
        #expect(pick(candidates) == "S-3")
        #expect(pick(Array(candidates.reversed())) == "S-3")  // the order found does not matter
        #expect(pick(candidates.filter { $0.depotRegion != "emea" || $0.model != "DX-100" }) == "S-5")  // same model beats region
        #expect(pick(candidates.filter { $0.model != "DX-100" }) == "S-9")  // the successor when the model is out
        #expect(pick(candidates.filter { $0.model != "DX-100" }, successor: nil) == nil)  // another model never
        // Equal depots: the serial decides, by bytes ("S-10" before "S-9").
        #expect(pick([Self.spare("S-9", "DX-100", "FRA", "emea"), Self.spare("S-10", "DX-100", "FRA", "emea")]) == "S-10")
    }

    @Test("a spare moved into stock after the allocation's time is not in stock then")
    func inStockAtTheTime() {
        let later = Self.spare("S-1", "DX-100", "FRA", "emea", moved: "2026-11-30T12:00:01Z")
        let before = Self.spare("S-2", "DX-100", "NYC", "americas", moved: "2026-11-30T12:00:00Z")
        #expect(
            SpareAllocation.preferred(among: [later, before], model: "DX-100", successor: nil, region: "emea", at: Self.now)?.serial
                == "S-2")
        #expect(SpareAllocation.preferred(among: [later], model: "DX-100", successor: nil, region: "emea", at: Self.now) == nil)
    }

    @Test("a spare named by logistics: in stock, the model or its successor, outside the unit's lineage")
    func namedSpare() {
        func refusal(_ status: ApplianceStatus, _ model: String, lineage: String? = nil) -> String? {
            guard
                case .refused(_, let reason)? = SpareAllocation.refusal(
                    serial: "S-1", status: status, spareModel: model, model: "DX-100", successor: "DX-200", inLineageOf: lineage)
            else { return nil }
            return reason
        }
        #expect(refusal(.inStock, "DX-100") == nil)
        #expect(refusal(.inStock, "DX-200") == nil)
        #expect(refusal(.allocated, "DX-100") == "is allocated, not an in-stock spare")
        #expect(refusal(.inStock, "EDGE-10") == "is neither the defective unit's model nor its successor")
        #expect(refusal(.inStock, "DX-100", lineage: "U-1")?.hasPrefix("is in the lineage of U-1") == true)
    }
}
