import DepotCore
import Foundation

/// What `depot demo` made.
public struct DemoSummary: Sendable, Encodable {
    public let customers: Int
    public let appliances: Int
    public let spares: Int
    public let cases: Int
    public let rmas: Int
}

/// A realistic demo fleet, made through the same imports and workflows users run: customers in every
/// region and tier (and some without a contract), sites, depots with spares, releases, and cases and
/// RMAs in every state. A seed fixes the data.
public struct DemoFleet {
    let appliances: Int
    /// How many customers share the units: by default one per 25 units (at least 9, one per region and tier).
    let customerCount: Int
    let base: Instant
    var rng: SplitMix64

    /// A fleet of about `appliances` units in service at `customers` customers (default: one per 25 units, at least
    /// 9), with cases dated in the weeks before `base`.
    public init(appliances: Int, customers: Int? = nil, base: Instant, seed: UInt64 = 2026) {
        self.appliances = appliances
        customerCount = customers ?? max(9, appliances / 25)
        self.base = base
        rng = SplitMix64(seed: seed)
    }

    /// The most units and customers a demo makes.
    public static let maxAppliances = 5_000_000
    public static let customerRange = 9...200_000

    private struct Customer {
        let key: String
        let region: String
        let tier: Tier?
        var sites: [String] = []
        var contact = ""
    }

    private struct Unit {
        let serial: String
        let customer: Int
        let shipDate: LocalDate
        let months: Int
    }

    private static let models = [
        ("DX-100", "Depot X 100", 12, "DX-200"), ("DX-200", "Depot X 200", 24, ""), ("EDGE-10", "Edge 10", 12, "EDGE-20"),
        ("EDGE-20", "Edge 20", 36, ""),
    ]
    /// Software releases, by days before today.
    private static let releases = [("4.2", -900), ("5.0", -600), ("5.1", -400), ("5.2", -200), ("6.0", -60)]

    /// Fills `database` (which should be empty) and returns what it made.
    public mutating func fill(_ database: DepotDatabase, actor: ActingUser, folder: String) throws -> DemoSummary {
        let today = base.utcDate
        var (files, customers) = customerFiles(today: today)
        let (applianceRows, units, spareCount) = applianceFile(customers: customers, today: today)
        files.append((.appliances, applianceRows))
        try importFiles(files, into: database, actor: actor, folder: folder)
        let (rmaCases, rmaCount) = try rmaStories(database, customers: customers, units: units, actor: actor)
        let openCases = try openCases(database, customers: customers, actor: actor)
        let closedCases = try surveyedCases(database, customers: customers, actor: actor)
        _ = try database.escalate(at: base, actor: actor)
        return DemoSummary(
            customers: customers.count, appliances: appliances, spares: spareCount, cases: rmaCases + openCases + closedCases,
            rmas: rmaCount)
    }

    /// Models, customers with their sites, contracts and contacts, depots and releases, as import files.
    private func customerFiles(today: LocalDate) -> (files: [(ImportEntity, String)], customers: [Customer]) {
        let names = [
            "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka",
            "Oscorp", "Massive Dynamic", "Aperture", "Vandelay", "Gringotts", "Monarch", "Nakatomi",
        ]
        let regions = ["americas", "emea", "apac"]
        // Cities with their countries, so that a site's address and country agree (labels print both).
        let cities = [
            "americas": [("Boston", "US"), ("Toronto", "CA"), ("Austin", "US"), ("Sao Paulo", "BR")],
            "emea": [("London", "GB"), ("Berlin", "DE"), ("Paris", "FR"), ("Leeds", "GB")],
            "apac": [("Sydney", "AU"), ("Tokyo", "JP"), ("Singapore", "SG"), ("Perth", "AU")],
        ]
        let models = Self.models

        var customers: [Customer] = []
        for i in 0..<customerCount {
            let tier: Tier? = i % 7 == 6 ? nil : Tier.allCases[(i / 3) % 3]
            customers.append(Customer(key: "C\(100 + i)", region: regions[i % 3], tier: tier))
        }
        var files: [(ImportEntity, String)] = []
        files.append((.models, "model,name,warranty_months,successor\n" + models.map { "\($0.0),\($0.1),\($0.2),\($0.3)\n" }.joined()))
        var customerRows = "customer,name,region,account_manager,tam\n"
        var siteRows = "site,customer,name,country,region,address\n"
        var contractRows = "contract,customer,tier,start_date,end_date,max_contacts\n"
        var contactRows = "email,customer,name,designated,certified\n"
        let managers = ["Alice Archer", "Bruno Berg", "Chen Wei"]
        for (i, customer) in customers.enumerated() {
            let name = names[i % names.count] + (i >= names.count ? " \(i / names.count + 1)" : "")
            let tam = customer.tier == .premiumPlus ? "Tara Tam" : ""
            customerRows += "\(customer.key),\(name),\(customer.region),\(managers[i % 3]),\(tam)\n"
            for s in 0..<(1 + i % 3) {
                let key = "\(customer.key)-S\(s + 1)"
                let (city, country) = cities[customer.region]?[(i + s) % 4] ?? ("Berlin", "DE")
                siteRows += "\(key),\(customer.key),\(name) \(city),\(country),\(customer.region),\"\(10 + s) Main Street, \(city)\"\n"
                customers[i].sites.append(key)
            }
            if let tier = customer.tier {
                let start = LocalDate(year: today.year - 1, month: 1, day: 1) ?? today
                contractRows += "K-\(customer.key),\(customer.key),\(tier.rawValue),\(start),\(today.adding(months: 6 + i % 12)),3\n"
            }
            let domain = name.lowercased().filter { $0.isLetter || $0.isNumber } + ".example"
            contactRows += "ops@\(domain),\(customer.key),Ops Desk,\(customer.tier == nil ? "no" : "yes"),yes\n"
            contactRows += "helpdesk@\(domain),\(customer.key),Help Desk,no,no\n"
            customers[i].contact = "ops@\(domain)"
        }
        files.append((.customers, customerRows))
        files.append((.sites, siteRows))
        files.append(
            (
                .depots,
                "depot,name,region,address\nD-MEM,Memphis,americas,\"4100 Depot Way, Memphis TN 38118, US\"\nD-AMS,Amsterdam,emea,\"Havenweg 12, 1043 AB Amsterdam, NL\"\nD-SIN,Singapore,apac,\"8 Changi North Crescent, Singapore 499613, SG\"\n"
            ))
        files.append((.contracts, contractRows))
        files.append((.contacts, contactRows))
        let releases = Self.releases
        files.append((.releases, "version,released_on\n" + releases.map { "\($0.0),\(today.adding(days: $0.1))\n" }.joined()))

        return (files, customers)
    }

    /// The customers' units (ship dates over three years, so some are out of warranty) and the depots' spares.
    private mutating func applianceFile(customers: [Customer], today: LocalDate) -> (text: String, units: [Unit], spares: Int) {
        let models = Self.models
        let releases = Self.releases
        var units: [Unit] = []
        var applianceRows = "serial,model,customer,site,depot,ship_date,software_version,status\n"
        for u in 0..<appliances {
            let customerIndex = u % customers.count
            let customer = customers[customerIndex]
            let model = models[Int(rng.next() % UInt64(models.count))]
            // Ship dates over the last three years, so some units are out of warranty.
            let ship = today.adding(days: -Int(rng.next() % 1100) - 1)
            let serial = "SN\(model.0.prefix(2))\(String(format: "%06d", 100_000 + u))"
            let site = customer.sites[u % customer.sites.count]
            let version = releases[Int(rng.next() % UInt64(releases.count))].0
            applianceRows += "\(serial),\(model.0),\(customer.key),\(site),,\(ship),\(version),\n"
            units.append(Unit(serial: serial, customer: customerIndex, shipDate: ship, months: model.2))
        }
        let spareCount = max(48, appliances / 10)
        for s in 0..<spareCount {
            let model = models[s % models.count]
            let depot = ["D-MEM", "D-AMS", "D-SIN"][s / models.count % 3]
            applianceRows += "SP\(String(format: "%06d", s + 1)),\(model.0),,,\(depot),\(today.adding(days: -30)),6.0,in-stock\n"
        }

        return (applianceRows, units, spareCount)
    }

    private func importFiles(_ files: [(ImportEntity, String)], into database: DepotDatabase, actor: ActingUser, folder: String) throws {
        let importedAt = base.adding(seconds: -30 * 86_400)
        for (entity, text) in files {
            let path = folder + "/demo-\(entity.rawValue).csv"
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw DepotError.unreadableFile(path: path, reason: "cannot write the demo file")
            }
            _ = try database.importFile(entity, path: path, actor: actor, at: importedAt)
        }

    }

    /// One step of an RMA's story.
    private typealias RMAStoryStep = (DepotDatabase, RMANumber, Instant) throws -> Void

    /// An advance replacement's steps, in order.
    private static func advanceReplacementSteps(_ actor: ActingUser) -> [RMAStoryStep] {
        [
            { db, rma, at in try db.allocate(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.ship(rma: rma, carrier: "UPS", tracking: "1Z\(rma.text.suffix(6))", at: at, actor: actor) },
            { db, rma, at in try db.deliver(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.returnShip(rma: rma, carrier: "UPS", tracking: "1ZR\(rma.text.suffix(6))", at: at, actor: actor) },
            { db, rma, at in try db.receive(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.closeRMA(rma, at: at, actor: actor) },
        ]
    }

    /// A return-then-replace RMA's steps, in order.
    private static func returnThenReplaceSteps(_ actor: ActingUser) -> [RMAStoryStep] {
        [
            { db, rma, at in try db.receive(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.allocate(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.ship(rma: rma, carrier: "DHL", tracking: "JD\(rma.text.suffix(6))", at: at, actor: actor) },
            { db, rma, at in try db.deliver(rma: rma, at: at, actor: actor) },
            { db, rma, at in try db.closeRMA(rma, at: at, actor: actor) },
        ]
    }

    /// Cases whose units are defective, with their RMAs taken to every state of every path.
    private func rmaStories(_ database: DepotDatabase, customers: [Customer], units: [Unit], actor: ActingUser) throws -> (
        cases: Int, rmas: Int
    ) {
        let today = base.utcDate
        // Cases and RMAs in every state.
        func inWarranty(_ unit: Unit) -> Bool {
            Warranty.isCovered(on: today.adding(days: -20), shipDate: unit.shipDate, months: unit.months)
        }
        var used = Set<String>()
        func pick(_ matches: (Unit, Customer) -> Bool) -> (Unit, Customer)? {
            guard let unit = units.first(where: { !used.contains($0.serial) && matches($0, customers[$0.customer]) }) else { return nil }
            used.insert(unit.serial)
            return (unit, customers[unit.customer])
        }
        var caseCount = 0
        var rmaCount = 0
        var clock = base.adding(seconds: -21 * 86_400)
        func next(hours: Int64 = 26) -> Instant {
            clock = clock.adding(seconds: hours * 3600)
            return clock
        }
        let advanceSteps = Self.advanceReplacementSteps(actor)
        let returnSteps = Self.returnThenReplaceSteps(actor)
        func defective(_ unit: Unit, _ customer: Customer, title: String) throws -> RMANumber? {
            let opened = next(hours: 3)
            let number = try database.openCase(
                NewCase(
                    customer: customer.key, contact: customer.contact, type: .hardwareFault, serial: try Serial.named(unit.serial),
                    impact: .high,
                    urgency: .medium, title: title), at: opened, actor: actor)
            caseCount += 1
            try database.advanceCase(number, .respond, at: opened.adding(seconds: 1800), actor: actor)
            let outcome = try database.diagnose(
                serial: try Serial.named(unit.serial), caseNumber: number, verdict: .defective,
                note: "Power supply fails under load; replaced cable, no change", checks: "psu=fail;fan=ok",
                at: opened.adding(seconds: 3600), actor: actor)
            if outcome.rma != nil { rmaCount += 1 }
            return outcome.rma
        }
        for steps in 0...advanceSteps.count {
            guard let (unit, customer) = pick({ _, c in c.tier == .premium || c.tier == .premiumPlus }),
                let rma = try defective(unit, customer, title: "Unit reboots under load")
            else { continue }
            var at = clock
            for step in advanceSteps.prefix(steps) {
                at = at.adding(seconds: 20 * 3600)
                try step(database, rma, at)
            }
        }
        for steps in 0...returnSteps.count {
            guard let (unit, customer) = pick({ u, c in c.tier == .standard && inWarranty(u) }),
                let rma = try defective(unit, customer, title: "Fan failure")
            else { continue }
            var at = clock
            for step in returnSteps.prefix(steps) {
                at = at.adding(seconds: 20 * 3600)
                try step(database, rma, at)
            }
        }
        for close in [false, true] {
            guard let (unit, customer) = pick({ u, c in c.tier == .standard && !inWarranty(u) }),
                let rma = try defective(unit, customer, title: "Disk failure")
            else { continue }
            if close { try database.closeRMA(rma, outcome: .declined, at: clock.adding(seconds: 86_400), actor: actor) }
        }
        if let (unit, customer) = pick({ _, c in c.tier != nil }), let rma = try defective(unit, customer, title: "Intermittent link loss")
        {
            try database.cancelRMA(rma, reason: "fault traced to the customer's switch", at: clock.adding(seconds: 7200), actor: actor)
        }
        return (caseCount, rmaCount)
    }

    /// Open cases without RMAs, some past their response deadline; returns how many.
    private func openCases(_ database: DepotDatabase, customers: [Customer], actor: ActingUser) throws -> Int {
        var caseCount = 0
        for (i, customer) in customers.enumerated().prefix(6) {
            let number = try database.openCase(
                NewCase(
                    customer: customer.key, contact: customer.contact, type: i % 2 == 0 ? .question : .productDefect,
                    impact: [.low, .medium, .high][i % 3], urgency: .low,
                    title: i % 2 == 0 ? "How do I rotate the logs?" : "GUI shows wrong uptime"),
                at: base.adding(seconds: -Int64(i + 1) * 5 * 3600), actor: actor)
            caseCount += 1
            if i % 3 == 1 { try database.advanceCase(number, .respond, at: base.adding(seconds: -Int64(i) * 5 * 3600), actor: actor) }
        }
        return caseCount
    }

    /// Questions answered and closed over the last three months, each closure inviting its contact to the survey
    /// (SPEC.md 9), three in four answered with the day's score and now and then a comment: the csat page has months,
    /// regions and comments to show. Returns how many cases.
    private func surveyedCases(_ database: DepotDatabase, customers: [Customer], actor: ActingUser) throws -> Int {
        let scores = [5, 4, 4, 3, 5, 2, 4, 5, 1, 4, 5, 3]
        let comments = [2: "Quick and to the point.", 5: "Took three days to get a first answer.", 8: "Still not fixed after the patch."]
        var count = 0
        // Questions need an active contract (SPEC.md 3).
        for (i, customer) in customers.filter({ $0.tier != nil }).enumerated().prefix(10) {
            for month in 0..<3 {
                let opened = base.adding(seconds: -Int64(month * 32 + 3 + i % 5) * 86_400)
                let number = try database.openCase(
                    NewCase(
                        customer: customer.key, contact: customer.contact, type: .question, impact: .low, urgency: .low,
                        title: "How do I export the audit log?"),
                    at: opened, actor: actor)
                try database.advanceCase(number, .respond, at: opened.adding(seconds: 3600), actor: actor)
                try database.advanceCase(number, .resolve, at: opened.adding(seconds: 7200), actor: actor)
                let closed = opened.adding(seconds: 86_400)
                try database.advanceCase(number, .close, confirmedBy: customer.contact, at: closed, actor: actor)
                count += 1
                let n = i * 3 + month
                guard n % 4 != 3, let token = try database.surveyToken(of: number) else { continue }
                let answer = try SurveyAnswer(score: String(scores[n % scores.count]), comment: comments[n])
                _ = try database.answerSurvey(token, answer, now: closed.adding(seconds: 2 * 3600))
            }
        }
        return count
    }
}
