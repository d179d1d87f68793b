import DepotCore
import DepotReports
import DepotStore
import DepotTestSupport
import Foundation
import Testing

private func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }
private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// Runs a report into a file and reads it back with Python's csv module, an independent parser.
private func cells(_ depot: TestDepot, _ name: String, _ parameters: ReportParameters) throws -> [[String]] {
    let path = depot.folder.path + "/\(name)-\(UUID().uuidString).csv"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    try depot.database.write(ReportCatalog.named(name), parameters: parameters, to: CSVWriter(descriptor: fd, path: path))
    close(fd)
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = [
        "python3", "-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))",
        path,
    ]
    let pipe = Pipe()
    python.standardOutput = pipe
    try python.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    python.waitUntilExit()
    return try JSONDecoder().decode([[String]].self, from: data)
}

/// The fleet plus a customer whose texts a spreadsheet would run, and units on the window's edges.
private func hostileFleet() throws -> TestDepot {
    let depot = try TestDepot.withFleet()
    // Plain RFC 4180 quoting, without the formula neutralising of reports: the database must hold the hostile text itself.
    func quoted(_ cell: String) -> String {
        cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            ? "\"" + cell.replacing("\"", with: "\"\"") + "\"" : cell
    }
    func csv(_ rows: [[String]]) -> String { rows.map { $0.map(quoted).joined(separator: ",") + "\r\n" }.joined() }
    try depot.importAll([
        (.models, csv([["model", "name", "warranty_months"], ["LEAP", "Leap, \"the\" model", "36"]])),
        (.customers, csv([["customer", "name", "region", "account_manager"], ["=EVIL", "Evil, \"Inc\"\nLtd", "emea", "@mgr"]])),
        (
            .sites,
            csv([
                ["site", "customer", "name", "country", "address"], ["-S1", "=EVIL", "Zürich \"HQ\"", "CH", "Bahnhofstrasse 1,\r\nZürich"],
            ])
        ),
        (
            .contracts,
            csv([
                ["contract", "customer", "tier", "start_date", "end_date", "max_contacts"],
                ["E-STD", "=EVIL", "standard", "2026-01-01", "2026-12-31", "1"],
                ["E-PREM", "=EVIL", "premium", "2026-06-01", "2026-11-23", "1"],
            ])
        ),
        (
            .appliances,
            csv([
                ["serial", "model", "site", "ship_date", "software_version"],
                ["W-TODAY", "DX-100", "-S1", "2025-11-23", "5.1"], ["W-LAST", "DX-100", "-S1", "2026-02-20", "5.1"],
                ["W-OUT", "DX-100", "-S1", "2026-02-21", "5.1"], ["W-PAST", "DX-100", "-S1", "2025-11-22", "5.1"],
                ["zürich-1", "DX-100", "-S1", "2026-01-15", "5.1"], ["LEAP-1", "LEAP", "-S1", "2024-02-29", "5.0"],
            ])
        ),
    ])
    return depot
}

@Suite("Reports")
struct ReportTests {
    let header = [
        "customer", "account_manager", "site", "serial", "model", "ship_date", "warranty_end", "days_left", "contract_tier", "contract_end",
    ]

    @Test("warranty-expiry: the as-of day is in, the window's last day is in, the day after is out; hostile text is neutralised and quoted")
    func warrantyExpiry() throws {
        let depot = try hostileFleet()
        #expect(try depot.database.unitDetail("W-TODAY").customer == "=EVIL")  // stored as given, neutralised only on the way out
        let rows = try cells(depot, "warranty-expiry", ReportParameters(asOf: day("2026-11-23"), withinDays: 90))
        let evil = ["'=EVIL", "'@mgr", "'-S1"]
        #expect(
            rows == [
                header,
                evil + ["W-TODAY", "DX-100", "2025-11-23", "2026-11-23", "0", "premium", "2026-11-23"],
                evil + ["ZÜRICH-1", "DX-100", "2026-01-15", "2027-01-15", "53", "premium", "2026-11-23"],
                ["GLOBEX", "Bob Manager", "GLOBEX-LON", "GLOBEX-1", "DX-100", "2026-02-01", "2027-02-01", "70", "standard", "2026-12-31"],
                evil + ["W-LAST", "DX-100", "2026-02-20", "2027-02-20", "89", "premium", "2026-11-23"],
            ])
    }

    @Test("warranty-expiry: a leap-day ship date ends on 28 February; no active contract leaves the contract cells empty")
    func leapDay() throws {
        let depot = try hostileFleet()
        let rows = try cells(depot, "warranty-expiry", ReportParameters(asOf: day("2027-02-28"), withinDays: 1))
        #expect(rows == [header, ["'=EVIL", "'@mgr", "'-S1", "LEAP-1", "LEAP", "2024-02-29", "2027-02-28", "0", "", ""]])
    }

    @Test("warranty-expiry filters by customer, account manager and region; an empty report is its header")
    func filters() throws {
        let depot = try hostileFleet()
        let asOf = day("2026-11-23")
        #expect(
            try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, customer: "GLOBEX")).map { $0[3] } == [
                "serial", "GLOBEX-1",
            ])
        let managed = try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, accountManager: "@mgr"))
        #expect(managed.map { $0[3] } == ["serial", "W-TODAY", "ZÜRICH-1", "W-LAST"], "\(managed)")
        #expect(try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, region: "apac")) == [header])
        // A customer key that is not one is named, not answered with an empty report; "GLOBE" is a prefix of one.
        for unknown in ["GLOBE", "NOPE", "GLOBEX%"] {
            #expect(throws: DepotError.invalidArgument(name: "--customer", value: unknown, reason: "no such customer")) {
                try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, customer: unknown))
            }
        }
        // Typed with spaces around it and in other letter case, through the parameters a user's input becomes.
        let report = try ReportCatalog.named("warranty-expiry")
        let typed = try report.parameters(
            asOf: asOf, withinDays: 90, customer: "  globex ", region: nil, accountManager: nil, since: nil, spelledWith: "")
        #expect(typed.customer == "globex" && typed.filterPrefix == "")
        #expect(try cells(depot, "warranty-expiry", typed).map { $0[3] } == ["serial", "GLOBEX-1"])
        // With a second key that differs only in letter case, "globex" can mean either: refused, as the filter reads it.
        try depot.importAll([(.customers, "customer,name,region,account_manager,tam\nGlobex,Globex Twin,emea,Bob Manager,\n")])
        #expect(throws: DepotError.invalidArgument(name: "--customer", value: "globex", reason: "no such customer")) {
            try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, customer: "globex"))
        }
        #expect(try cells(depot, "warranty-expiry", ReportParameters(asOf: asOf, withinDays: 90, customer: "GLOBEX")).count == 2)
    }

    @Test("shipping-queue: by ship-by with empty deadlines last; overdue once the deadline is before the end of the as-of day")
    func shippingQueue() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        for (customer, contact, serial) in [("ACME", "dev@acme.example", "ACME-1" as Serial), ("GLOBEX", "it@globex.example", "GLOBEX-1")] {
            let number = try db.openCase(
                NewCase(
                    customer: customer, contact: contact, type: .hardwareFault, serial: serial, impact: .high,
                    urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
            _ = try db.diagnose(
                serial: serial, caseNumber: number, verdict: .defective, note: "dead", at: monday, actor: TestDepot.engineer)
        }
        let header = ["rma", "path", "state", "customer", "site", "region", "model", "ship_by", "overdue"]
        let acme = ["RMA-2026-000001", "advance-replacement", "approved", "ACME", "ACME-NYC", "americas", "DX-100", "2026-11-24T15:00:00Z"]
        let globex = ["RMA-2026-000002", "return-then-replace", "awaiting-return", "GLOBEX", "GLOBEX-LON", "emea", "DX-100", "", "no"]
        #expect(try cells(depot, "shipping-queue", ReportParameters(asOf: day("2026-11-23"))) == [header, acme + ["no"], globex])
        #expect(try cells(depot, "shipping-queue", ReportParameters(asOf: day("2026-11-24"))) == [header, acme + ["yes"], globex])
        #expect(try cells(depot, "shipping-queue", ReportParameters(asOf: day("2026-11-24"), region: "emea")) == [header, globex])
        try db.allocate(rma: "RMA-2026-000001", at: monday, actor: TestDepot.logistics)
        try db.ship(rma: "RMA-2026-000001", carrier: "UPS", tracking: "1Z", at: monday.adding(seconds: 60), actor: TestDepot.logistics)
        #expect(try cells(depot, "shipping-queue", ReportParameters(asOf: day("2026-11-24"))) == [header, globex])
    }

    @Test("overdue-returns: listed once the return-due deadline is before the end of the as-of day, with whole days overdue")
    func overdueReturns() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high,
                urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
        let rma = try #require(
            try db.diagnose(serial: "ACME-1", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer).rma
        )
        try db.allocate(rma: rma, at: monday, actor: TestDepot.logistics)
        try db.ship(rma: rma, carrier: "UPS", tracking: "1Z", at: monday, actor: TestDepot.logistics)
        try db.deliver(rma: rma, at: instant("2026-11-24T16:00:00Z"), actor: TestDepot.logistics)  // due back 2026-12-09T19:00:00Z
        let header = ["rma", "customer", "site", "serial", "model", "return_due", "days_overdue"]
        let row = [rma.text, "ACME", "ACME-NYC", "ACME-1", "DX-100", "2026-12-09T19:00:00Z"]
        #expect(try cells(depot, "overdue-returns", ReportParameters(asOf: day("2026-12-08"))) == [header])
        #expect(try cells(depot, "overdue-returns", ReportParameters(asOf: day("2026-12-09"))) == [header, row + ["0"]])
        #expect(try cells(depot, "overdue-returns", ReportParameters(asOf: day("2026-12-12"))) == [header, row + ["3"]])
        try db.returnShip(rma: rma, at: instant("2026-12-10T12:00:00Z"), actor: TestDepot.logistics)
        #expect(try cells(depot, "overdue-returns", ReportParameters(asOf: day("2026-12-12"))) == [header, row + ["3"]])
        try db.receive(rma: rma, at: instant("2026-12-11T12:00:00Z"), actor: TestDepot.logistics)
        #expect(try cells(depot, "overdue-returns", ReportParameters(asOf: day("2026-12-12"))) == [header])
    }

    @Test("sla-compliance, contract-renewals, spare-stock and sales-referrals give their rows")
    func otherReports() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let met = try db.openCase(
            NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: "Q"),
            at: monday, actor: TestDepot.engineer)
        try db.advanceCase(met, .respond, at: monday.adding(seconds: 600), actor: TestDepot.engineer)
        let old = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-OLD", impact: .high,
                urgency: .medium, title: "Old"), at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(serial: "GLOBEX-OLD", caseNumber: old, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer)
        _ = try db.openCase(
            NewCase(customer: "NOCON", contact: "it@nocon.example", type: .enhancement, impact: .low, urgency: .low, title: "N"),
            at: monday, actor: TestDepot.engineer)
        let sla = try cells(depot, "sla-compliance", ReportParameters(asOf: day("2026-12-31")))
        #expect(
            sla == [
                [
                    "case", "customer", "region", "priority", "tier", "opened", "response_due", "responded", "sla", "waited_hours",
                    "unsupported_version",
                ],
                [
                    met.text, "ACME", "americas", "P4", "premium-plus", "2026-11-23T15:00:00Z", "2026-11-25T15:00:00Z",
                    "2026-11-23T15:10:00Z",
                    "met", "0.00", "",
                ],
                [old.text, "GLOBEX", "emea", "P2", "standard", "2026-11-23T15:00:00Z", "2026-11-24T09:00:00Z", "", "breached", "0.00", ""],
                ["CS-2026-000003", "NOCON", "emea", "P4", "", "2026-11-23T15:00:00Z", "", "", "none", "0.00", ""],
            ])
        #expect(try cells(depot, "sla-compliance", ReportParameters(asOf: day("2026-11-23")))[2][8] == "pending")
        #expect(try cells(depot, "sla-compliance", ReportParameters(asOf: day("2026-11-22"))).count == 1)
        // A case on a version outside the support policy is counted apart, with the policy's reason.
        try depot.importAll([(.releases, "version,released_on\n6.0,2026-03-01\n6.1,2026-06-01\n6.2,2026-09-01\n")])
        let late = instant("2027-10-01T12:00:00Z")
        let flagged = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .enhancement, serial: "GLOBEX-OLD", impact: .low, urgency: .low,
                title: "Old"), at: late, actor: TestDepot.engineer)
        let rows = try cells(depot, "sla-compliance", ReportParameters(asOf: day("2027-10-01")))
        #expect(rows.filter { $0[10] != "" }.map { $0[0] } == ["case", flagged.text])
        #expect(rows.last?[10].hasPrefix("5.0 is") == true, "\(rows.last ?? [])")
        let renewals = try cells(depot, "contract-renewals", ReportParameters(asOf: day("2026-11-23"), withinDays: 60))
        #expect(renewals.map { $0[3] } == ["contract", "C-ACME", "C-GLOBEX", "C-INITECH"])
        #expect(renewals[1] == ["ACME", "Alice Manager", "americas", "C-ACME", "premium-plus", "2026-01-01", "2026-12-31", "38", "1"])
        #expect(try cells(depot, "contract-renewals", ReportParameters(asOf: day("2026-11-23"), withinDays: 38)).count == 1)
        let referrals = try cells(depot, "sales-referrals", ReportParameters(asOf: day("2026-11-23")))
        #expect(
            referrals == [
                ["rma", "state", "customer", "account_manager", "site", "serial", "model", "verdict_at", "warranty_end", "outcome"],
                [
                    "RMA-2026-000001", "referred", "GLOBEX", "Bob Manager", "GLOBEX-LON", "GLOBEX-OLD", "DX-100", "2026-11-23T15:00:00Z",
                    "2025-01-10", "",
                ],
            ])
        let stock = try cells(depot, "spare-stock", ReportParameters(asOf: day("2026-11-23")))
        #expect(
            stock == [
                ["depot", "region", "model", "in_stock", "allocated", "open_rmas_needing"],
                ["D-EU", "emea", "DX-100", "1", "0", "0"], ["D-EU", "emea", "DX-200", "1", "0", "0"],
                ["D-US", "americas", "DX-100", "1", "0", "0"],
            ])
    }

    @Test("escalations: fired, pending, due, and stopped once the case is resolved before the deadline")
    func escalationsReport() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .hardwareFault, serial: "ACME-1", impact: .high,
                urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
        _ = try db.escalate(at: instant("2026-11-24T16:00:00Z"), actor: .system)
        let leadershipDue = try #require(try db.caseDetail(number, now: monday).escalations.first { $0.target == .leadership }?.at)
        // 65 business hours: Thanksgiving closed, California closed the day after.
        #expect(leadershipDue == instant("2026-12-01T18:00:00Z"))
        let head = ["case", "customer", "region", "priority", "tier", "target", "threshold", "due", "fired_at", "state"]
        let tam = [
            number.text, "ACME", "americas", "P2", "premium-plus", "tam", "1 business-day", "2026-11-24T15:00:00Z", "2026-11-24T16:00:00Z",
            "fired",
        ]
        let leadership = [
            number.text, "ACME", "americas", "P2", "premium-plus", "leadership", "5 business-days", "2026-12-01T18:00:00Z", "",
        ]
        #expect(try cells(depot, "escalations", ReportParameters(asOf: day("2026-11-24"))) == [head, tam, leadership + ["pending"]])
        #expect(try cells(depot, "escalations", ReportParameters(asOf: day("2026-12-01"))) == [head, tam, leadership + ["due"]])
        try db.advanceCase(number, .resolve, at: instant("2026-11-30T12:00:00Z"), actor: TestDepot.engineer)
        #expect(try cells(depot, "escalations", ReportParameters(asOf: day("2026-12-02"))) == [head, tam, leadership + ["stopped"]])
        #expect(try cells(depot, "escalations", ReportParameters(asOf: day("2026-11-22"))) == [head])
        #expect(
            try cells(depot, "escalations", ReportParameters(asOf: day("2026-12-02"), since: day("2026-11-25"))) == [
                head, leadership + ["stopped"],
            ])
    }

    @Test(
        "without an as-of day a fleet-wide report takes each row's region's own today: at 15:00 UTC on 31 December it is already 2027 in Sydney"
    )
    func todayByRegion() throws {
        let depot = try TestDepot.withFleet()
        let evening = instant("2026-12-31T15:00:00Z")
        let today = ReportParameters.today(at: evening, policy: depot.database.policy, withinDays: 30)
        #expect(today.asOf == day("2026-12-31") && today.todayByRegion["apac"] == day("2027-01-01"))
        // Every contract ends on 2026-12-31: the last day in New York and London, already past in Sydney.
        let regional = try cells(depot, "contract-renewals", today).dropFirst().map { $0[3] }
        #expect(regional == ["C-ACME", "C-GLOBEX"])
        let uniform = try cells(depot, "contract-renewals", ReportParameters(asOf: day("2026-12-31"), withinDays: 30)).dropFirst().map {
            $0[3]
        }
        #expect(uniform == ["C-ACME", "C-GLOBEX", "C-INITECH"])
        // For one region, its own day.
        #expect(ReportParameters.today(at: evening, policy: depot.database.policy, region: "apac").asOf == day("2027-01-01"))
    }

    @Test("escalations: a case closed without being resolved stops its clocks too (never due forever)")
    func closedStopsEscalations() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let number = try db.openCase(
            NewCase(
                customer: "ACME", contact: "dev@acme.example", type: .question, impact: .high,
                urgency: .medium, title: "Question"), at: monday, actor: TestDepot.engineer)
        try db.advanceCase(number, .close, confirmedBy: "ops@acme.example", at: instant("2026-11-23T16:00:00Z"), actor: TestDepot.engineer)
        let states = try cells(depot, "escalations", ReportParameters(asOf: day("2027-06-01"))).dropFirst().map { $0.last ?? "" }
        #expect(states == ["stopped", "stopped"])
        #expect(try db.escalate(at: instant("2027-06-01T00:00:00Z"), actor: .system).isEmpty)
    }

    @Test("failure-rates: per model and ship month, defects per 1,000 unit-months")
    func failureRates() throws {
        let depot = try TestDepot.withFleet()
        let db = depot.database
        let monday = instant("2026-11-23T15:00:00Z")
        let number = try db.openCase(
            NewCase(
                customer: "GLOBEX", contact: "it@globex.example", type: .hardwareFault, serial: "GLOBEX-OLD", impact: .high,
                urgency: .medium, title: "Dead"), at: monday, actor: TestDepot.engineer)
        _ = try db.diagnose(serial: "GLOBEX-OLD", caseNumber: number, verdict: .defective, note: "x", at: monday, actor: TestDepot.engineer)
        #expect(
            try cells(depot, "failure-rates", ReportParameters(asOf: day("2026-11-23"))) == [
                ["model", "ship_month", "units", "defective", "unit_months", "defects_per_1000_unit_months"],
                ["DX-100", "2024-01", "1", "1", "34.4", "29.04"],  // 1,048 days in service = 34.4 months of 365.25/12 days
                ["DX-100", "2026-02", "1", "0", "9.7", "0.00"],
                ["DX-100", "2026-03", "1", "0", "8.8", "0.00"],
                ["DX-100", "2026-06", "1", "0", "5.7", "0.00"],
                ["DX-200", "2023-05", "1", "0", "42.6", "0.00"],
            ])
        // The day before the verdict, the unit was not yet defective.
        #expect(try cells(depot, "failure-rates", ReportParameters(asOf: day("2026-11-22")))[1][3] == "0")
        // Filters: one customer's cohorts (its key in any letter case), one region's.
        let asOf = day("2026-11-23")
        #expect(
            try cells(depot, "failure-rates", ReportParameters(asOf: asOf, customer: "globex")).dropFirst().map { Array($0[0...3]) } == [
                ["DX-100", "2024-01", "1", "1"], ["DX-100", "2026-02", "1", "0"],
            ])
        #expect(
            try cells(depot, "failure-rates", ReportParameters(asOf: asOf, region: "emea")).dropFirst().map { Array($0[0...3]) } == [
                ["DX-100", "2024-01", "1", "1"], ["DX-100", "2026-02", "1", "0"], ["DX-100", "2026-06", "1", "0"],
            ])
    }

    @Test("unsupported-versions: units in service on a version outside the newest lines and past its maintenance")
    func unsupportedVersions() throws {
        let depot = try TestDepot.withFleet()
        try depot.importAll([
            (.releases, "version,released_on\n3.0,2020-01-01\n3.1,2021-01-01\n4.0,2022-01-01\n"),
            (
                .appliances,
                "serial,model,site,depot,ship_date,software_version\nOLD-SW,DX-100,ACME-NYC,,2021-02-01,3.1\nSPARE-OLD,DX-100,,D-US,2021-02-01,3.0\n"
            ),
        ])
        #expect(
            try cells(depot, "unsupported-versions", ReportParameters(asOf: day("2026-11-23"))) == [
                ["customer", "account_manager", "site", "serial", "model", "software_version", "maintained_until"],
                ["ACME", "Alice Manager", "ACME-NYC", "OLD-SW", "DX-100", "3.1", "2023-01-01"],
            ])
        // On 2022-12-31 version 3.1 was still maintained.
        #expect(try cells(depot, "unsupported-versions", ReportParameters(asOf: day("2022-12-31"))).count == 1)
    }

    @Test("the writer's cells equal CSVField.encode for random text")
    func writerMatchesFieldEncoding() throws {
        var rng = SplitMix64(seed: 5)
        let alphabet = ["a", ",", "\"", "\n", "\r", "=", "+", "-", "@", "\t", "é", " "]
        let folder = TemporaryFolder()
        for round in 0..<200 {
            // Now and then a cell larger than the writer's 64 KiB buffer.
            let length = round % 50 == 0 ? 40_000 : Int.random(in: 0...6, using: &rng)
            let text = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let path = folder.path + "/cell.csv"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let writer = CSVWriter(descriptor: fd, path: path)
            try writer.row([text, "x"])
            try writer.flush()
            close(fd)
            let written = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
            #expect(written == CSVField.record([text, "x"]), "\(text.prefix(40).debugDescription)")
        }
    }
}
