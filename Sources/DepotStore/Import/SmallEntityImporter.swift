import DepotCore

/// Imports models, customers, sites, depots, contracts, contacts and releases: tables of thousands of
/// rows at most, upserted by key with ordinary prepared statements.
struct SmallEntityImporter: RowImporter {
    let entity: ImportEntity
    let policy: Policy
    private let table: String
    private let keyColumn: String
    private var seen: [String: Int] = [:]
    private var pendingSuccessors: [(line: Int, model: String, successor: String)] = []
    private var warrantyChanged: Set<Int64> = []
    /// When the import runs: the cap on designated contacts is that of the contract active on its day.
    let at: Instant
    /// Per customer whose contacts or contracts the file changes: the line of its last such row, and its cap on
    /// designated contacts before the file changed it (SPEC.md 3).
    private var touchedCustomers: [Int64: (line: Int, capBefore: Int?)] = [:]
    /// Customers the file designates a contact of (a new designated contact, or one designated now).
    private var designating: Set<Int64> = []
    /// The designated contact of the row being read, and the contacts the file added or changed that are designated
    /// afterwards: each gets the handbook's welcome letter.
    private var pendingWelcome: (email: String, customerID: Int64)?
    private var welcomed: [(email: String, customerID: Int64)] = []

    init(entity: ImportEntity, db: any SQLConnection, policy: Policy, at: Instant) throws {
        self.entity = entity
        self.policy = policy
        self.at = at
        switch entity {
        case .models: (table, keyColumn) = ("model", "key")
        case .customers: (table, keyColumn) = ("customer", "key")
        case .sites: (table, keyColumn) = ("site", "key")
        case .depots: (table, keyColumn) = ("depot", "key")
        case .contracts: (table, keyColumn) = ("contract", "key")
        case .contacts: (table, keyColumn) = ("contact", "email")
        case .releases: (table, keyColumn) = ("release", "version")
        case .appliances: preconditionFailure("appliances have their own importer")
        }
    }

    mutating func importRow(reader: CSVReader<FileByteSource>, header: ImportHeader, db: any SQLConnection, log: inout ProblemLog) throws
        -> RowOutcome?
    {
        let row = ImportRow(reader: reader, header: header)
        pendingWelcome = nil
        guard let key = normalisedKey(row[entity.key] ?? "", line: row.line, log: &log) else { return nil }
        if let first = seen[key] {
            log.add(line: row.line, column: entity.key, "duplicate \(entity.noun) \"\(key)\" (also on line \(first))")
            return nil
        }
        seen[key] = row.line
        let existing = try db.rows("SELECT * FROM \(table) WHERE \(keyColumn) = ?", [key], source: "query").first
        var fields = EntityFields(row: row, noun: entity.noun, existing: existing, db: db, log: log)
        defer { log = fields.log }
        switch entity {
        case .models: try readModel(&fields, key: key)
        case .customers: readCustomer(&fields)
        case .sites: try readSite(&fields, key: key)
        case .depots: readDepot(&fields)
        case .contracts: try readContract(&fields, key: key)
        case .contacts: try readContact(&fields, key: key)
        case .releases:
            if let date = fields.value("released_on") {
                fields.values["released_on"] = fields.parsed("released_on", Cell.date(date))?.description.sqlValue
            }
        case .appliances: preconditionFailure("appliances have their own importer")
        }
        guard !fields.bad else { return nil }
        let outcome = try write(fields, key: key, db: db)
        if let welcome = pendingWelcome, outcome != .unchanged { welcomed.append(welcome) }
        return outcome
    }

    /// Adds the record, or updates it where a value differs.
    private mutating func write(_ fields: EntityFields, key: String, db: any SQLConnection) throws -> RowOutcome {
        let values = fields.values
        if let existing = fields.existing {
            let changed = fields.forceChange || values.contains { column, value in !value.matches(existing.cell(column)) }
            guard changed else { return .unchanged }
            if entity == .models, let months = values["warranty_months"], !months.matches(existing.cell("warranty_months")) {
                warrantyChanged.insert(try existing.decode("id", from: table))
            }
            let columns = values.keys.sorted()
            guard !columns.isEmpty else { return .updated }
            try db.execute(
                "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(keyColumn) = ?",
                columns.map { values[$0] ?? .null } + [key.sqlValue])
            return .updated
        }
        let columns = [keyColumn] + values.keys.sorted()
        try db.execute(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            [key.sqlValue] + values.keys.sorted().map { values[$0] ?? .null })
        return .added
    }

    private mutating func readModel(_ f: inout EntityFields, key: String) throws {
        if let name = f.value("name") { f.values["name"] = name.sqlValue }
        if let text = f.row["warranty_months"] {
            let months = text.isEmpty ? policy.defaultWarrantyMonths : f.parsed("warranty_months", Cell.integer(text, 0...600))
            f.values["warranty_months"] = months?.sqlValue
        } else if f.existing == nil {
            f.values["warranty_months"] = policy.defaultWarrantyMonths.sqlValue
        }
        guard let successor = f.row["successor"] else { return }
        if successor.isEmpty {
            f.values["successor_id"] = .null
        } else if successor == key {
            f.problem("successor", "a model cannot be its own successor")
        } else if let id = try f.db.value(Int64.self, "SELECT id FROM model WHERE key = ?", [successor]) {
            f.values["successor_id"] = id.sqlValue
        } else {
            pendingSuccessors.append((f.line, key, successor))  // a model later in the file, checked at the end
            f.forceChange = true
        }
    }

    private func readCustomer(_ f: inout EntityFields) {
        if let name = f.value("name") { f.values["name"] = name.sqlValue }
        if let region = f.value("region") { f.values["region"] = f.parsed("region", Cell.region(region, policy: policy))?.sqlValue }
        if let manager = f.value("account_manager") { f.values["account_manager"] = manager.sqlValue }
        if let tam = f.row["tam"] { f.values["tam"] = tam.isEmpty ? .null : tam.sqlValue }
    }

    private func readSite(_ f: inout EntityFields, key: String) throws {
        let customer = try f.owner("customer", kind: "site", key: key)
        if let name = f.value("name") { f.values["name"] = name.sqlValue }
        if let country = f.value("country") {
            let code = country.uppercased()
            if code.count == 2 && code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                f.values["country"] = code.sqlValue
            } else {
                f.problem("country", "\"\(country)\" is not a two-letter country code (ISO 3166)")
            }
        }
        if let region = f.row["region"], !region.isEmpty {
            f.values["region"] = f.parsed("region", Cell.region(region, policy: policy))?.sqlValue
        } else if f.existing == nil, let customer {
            f.values["region"] = try f.db.value(String.self, "SELECT region FROM customer WHERE id = ?", [customer])?
                .sqlValue
        }
        if let address = f.row["address"] {
            f.values["address"] = address.sqlValue
        } else if f.existing == nil {
            f.values["address"] = "".sqlValue
        }
    }

    private func readDepot(_ f: inout EntityFields) {
        if let name = f.value("name") { f.values["name"] = name.sqlValue }
        if let region = f.value("region") { f.values["region"] = f.parsed("region", Cell.region(region, policy: policy))?.sqlValue }
        if let address = f.row["address"] { f.values["address"] = address.sqlValue }
    }

    private mutating func readContract(_ f: inout EntityFields, key: String) throws {
        let customer = try f.owner("customer", kind: "contract", key: key)
        if let tier = f.value("tier") {
            if let parsedTier = Tier(rawValue: tier.lowercased()) {
                f.values["tier"] = parsedTier.rawValue.sqlValue
            } else {
                f.problem("tier", "unknown tier \"\(tier)\" (standard, premium, premium-plus)")
            }
        }
        let start = f.value("start_date").flatMap { f.parsed("start_date", Cell.date($0)) }
        let end = f.value("end_date").flatMap { f.parsed("end_date", Cell.date($0)) }
        if let start { f.values["start_date"] = start.description.sqlValue }
        if let end { f.values["end_date"] = end.description.sqlValue }
        let startText: String? = try start?.description ?? f.existing?.optional("start_date")
        let endText: String? = try end?.description ?? f.existing?.optional("end_date")
        if let startText, let endText, startText > endText {
            f.problem("end_date", "the contract ends (\(endText)) before it starts (\(startText))")
        }
        if let max = f.value("max_contacts") {
            f.values["max_contacts"] = f.parsed("max_contacts", Cell.integer(max, 0...10_000))?.sqlValue
        }
        if let owner: Int64 = try customer ?? f.existing?.optional("customer_id") { try touch(owner, line: f.line, db: f.db) }
    }

    private mutating func readContact(_ f: inout EntityFields, key: String) throws {
        // A contact's cases, closures and audit entries are its customer's: moving it would hand them over.
        let customer = try f.owner("customer", kind: "contact", key: key)
        if let name = f.value("name") { f.values["name"] = name.sqlValue }
        var flags: [String: Bool] = [:]
        for flag in ["designated", "certified"] {
            if let text = f.row[flag] {
                let value = f.parsed(flag, Cell.bool(text))
                f.values[flag] = value?.sqlValue
                flags[flag] = value
            } else if let existing = f.existing {
                flags[flag] = try existing(flag) as Bool
            } else {
                f.values[flag] = false.sqlValue
                flags[flag] = false
            }
        }
        if let designated = flags["designated"], let certified = flags["certified"],
            let problem = DesignatedContacts.certificationProblem(designated: designated, certified: certified)
        {
            f.problem(f.row["certified"] != nil ? "certified" : "designated", problem)
        }
        guard let owner: Int64 = try customer ?? f.existing?.optional("customer_id") else { return }
        try touch(owner, line: f.line, db: f.db)
        if flags["designated"] == true {
            let was: Bool = try f.existing.map { existing throws(DepotError) in try existing("designated") } ?? false
            if !was { designating.insert(owner) }
            pendingWelcome = (key, owner)
        }
    }

    /// Notes that the file changes a contact or contract of `customer`, with its cap before the first such change.
    private mutating func touch(_ customer: Int64, line: Int, db: any SQLConnection) throws {
        let capBefore = try touchedCustomers[customer].map(\.capBefore) ?? designation(of: customer, db: db).cap
        touchedCustomers[customer] = (line, capBefore)
    }

    /// A customer's key, designated contacts, and cap on them on the import's day in its region (SPEC.md 3).
    private func designation(of customer: Int64, db: any SQLConnection) throws -> (key: String, designated: Int, cap: Int?, day: LocalDate)
    {
        guard
            let row = try db.rows(
                """
                SELECT c.key, c.region, (SELECT count(*) FROM contact WHERE customer_id = c.id AND designated) AS designated
                FROM customer c WHERE c.id = ?
                """, [customer], source: "customer"
            ).first
        else { throw DepotError.storage(path: "customer", message: "customer \(customer) is gone") }
        let contracts = try db.rows(
            "SELECT start_date, end_date, max_contacts FROM contract WHERE customer_id = ?", [customer], source: "contract"
        ).map { c throws(DepotError) in
            DesignatedContacts.Contract(start: try c("start_date"), end: try c("end_date"), maxContacts: try c("max_contacts"))
        }
        let day = policy.day(of: at, region: try row("region") as String)
        return (try row("key"), try row("designated"), DesignatedContacts.cap(of: contracts, on: day), day)
    }

    private func normalisedKey(_ raw: String, line: Int, log: inout ProblemLog) -> String? {
        guard !raw.isEmpty else {
            log.add(line: line, column: entity.key, "a value is required")
            return nil
        }
        switch entity {
        case .contacts:
            let email = raw.lowercased()
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
                !email.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
            else {
                log.add(line: line, column: "email", "\"\(raw)\" is not an e-mail address")
                return nil
            }
            return email
        case .releases:
            guard let version = SoftwareVersion(raw) else {
                log.add(line: line, column: "version", "\"\(raw)\" is not a version (MAJOR.MINOR or MAJOR.MINOR.PATCH)")
                return nil
            }
            return version.description
        default:
            // A key of only dots would be a path step (`/customers/..` is `/`), never an address of its own.
            guard !raw.allSatisfy({ $0 == "." }) else {
                log.add(line: line, column: entity.key, "\"\(raw)\" is not a key: it needs a character other than a dot")
                return nil
            }
            return raw
        }
    }

    mutating func finish(db: any SQLConnection, log: inout ProblemLog) throws {
        for pending in pendingSuccessors {
            guard let id = try db.value(Int64.self, "SELECT id FROM model WHERE key = ?", [pending.successor]) else {
                log.add(line: pending.line, column: "successor", "unknown model \"\(pending.successor)\"")
                continue
            }
            try db.execute("UPDATE model SET successor_id = ? WHERE key = ?", [id, pending.model])
        }
        for model in warrantyChanged.sorted() {
            // Warranty follows the model's months, except for replacements, which carry their own end.
            try db.execute(
                """
                UPDATE appliance SET warranty_end = depot_add_months(ship_date, (SELECT warranty_months FROM model WHERE id = ?))
                WHERE model_id = ? AND NOT replacement_warranty
                """, [model, model])
        }
        if !warrantyChanged.isEmpty { try ReplacementWarranties.follow(models: warrantyChanged, db: db, policy: policy) }
        // The cap of the contract active on the import's day: refused when the file designates a contact beyond it, or
        // lowers it below the designated contacts (a customer already beyond it, say after its contract ended, keeps
        // them until someone is designated).
        for (customer, touched) in touchedCustomers.sorted(by: { $0.value.line < $1.value.line }) {
            let now = try designation(of: customer, db: db)
            guard designating.contains(customer) || (now.cap ?? 0) < (touched.capBefore ?? 0),
                let problem = DesignatedContacts.capProblem(customer: now.key, designated: now.designated, cap: now.cap, on: now.day)
            else { continue }
            log.add(line: touched.line, column: entity == .contacts ? "designated" : "max_contacts", problem)
        }
        try queueWelcomes(db)
    }

    /// The handbook's welcome letter to each designated contact the file added or changed.
    private func queueWelcomes(_ db: any SQLConnection) throws {
        for (email, customerID) in welcomed {
            guard
                let row = try db.rows(
                    """
                    SELECT k.id, k.name, k.certified, c.key AS customer, c.name AS customer_name
                    FROM contact k JOIN customer c ON c.id = k.customer_id
                    WHERE k.email = ?
                    """, [email], source: "contact"
                ).first
            else { continue }
            try Outbox.notify(
                db, .contactWelcome, routes: policy.notifications, customerID: customerID, subject: email,
                payload: [
                    "contact": email, "name": try row("name") as String, "certified": (try row("certified") as Bool) ? "yes" : "no",
                    "customer": try row("customer") as String, "customerName": try row("customer_name") as String,
                ],
                key: "contact-welcome:contact-\(try row("id") as Int64):\(at)", at: at)
        }
    }
}

/// One row of a small entity's file as it is read: its cells, the record it updates (if any), the values to write,
/// and whether a problem was found (each logged with its line and column).
struct EntityFields {
    let row: ImportRow
    let noun: String
    let existing: StoredRow?
    let db: any SQLConnection
    var log: ProblemLog
    var values: [String: SQLValue] = [:]
    var bad = false
    /// Written even when no value differs (a successor resolved later in the file).
    var forceChange = false

    var line: Int { row.line }

    init(row: ImportRow, noun: String, existing: StoredRow?, db: any SQLConnection, log: ProblemLog) {
        self.row = row
        self.noun = noun
        self.existing = existing
        self.db = db
        self.log = log
    }

    mutating func problem(_ column: String, _ message: String) {
        log.add(line: line, column: column, message)
        bad = true
    }

    /// The column's value when the file has it; a problem when a new record needs it and it is absent or empty.
    mutating func value(_ column: String, required: Bool = true) -> String? {
        if let text = row[column] {
            if required && text.isEmpty {
                problem(column, "a value is required")
                return nil
            }
            return text
        }
        if existing == nil && required { problem(column, "the column is needed to add a new \(noun)") }
        return nil
    }

    mutating func parsed<T>(_ column: String, _ result: Result<T, CellProblem>) -> T? {
        switch result {
        case .success(let value): return value
        case .failure(let cellProblem):
            problem(column, cellProblem.message)
            return nil
        }
    }

    /// The customer a site, contract or contact belongs to, by its key in `column`; it cannot change once imported
    /// (its records are that customer's).
    mutating func owner(_ column: String, kind: String, key: String) throws -> Int64? {
        guard let text = value(column) else { return nil }
        guard let id = try db.value(Int64.self, "SELECT id FROM customer WHERE key = ?", [text]) else {
            problem(column, "unknown customer \"\(text)\"")
            return nil
        }
        if let existing, let current: Int64 = try existing.decodeIfPresent("customer_id", from: noun), current != id {
            problem(column, "\(kind) \"\(key)\" belongs to another customer; a \(kind) cannot move")
        }
        values["customer_id"] = id.sqlValue
        return id
    }
}
