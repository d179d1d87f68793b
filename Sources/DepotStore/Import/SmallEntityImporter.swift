import DepotCore
import GRDB

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
    private var touchedCustomers: [Int64: Int] = [:]

    init(entity: ImportEntity, db: Database, policy: Policy) throws {
        self.entity = entity
        self.policy = policy
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

    mutating func importRow(reader: CSVReader<FileByteSource>, header: ImportHeader, db: Database, log: inout ProblemLog) throws
        -> RowOutcome?
    {
        let row = ImportRow(reader: reader, header: header)
        let line = row.line
        guard let key = normalisedKey(row[entity.key] ?? "", line: line, log: &log) else { return nil }
        if let first = seen[key] {
            log.add(line: line, column: entity.key, "duplicate \(entity.noun) \"\(key)\" (also on line \(first))")
            return nil
        }
        seen[key] = line
        let existing = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE \(keyColumn) = ?", arguments: [key])
        var values: [String: DatabaseValue] = [:]
        var bad = false
        var forceChange = false

        /// The column's value when the file has it; a problem when a new record needs it and it is absent or empty.
        func value(_ column: String, required: Bool = true) -> String? {
            if let text = row[column] {
                if required && text.isEmpty {
                    log.add(line: line, column: column, "a value is required")
                    bad = true
                    return nil
                }
                return text
            }
            if existing == nil && required {
                log.add(line: line, column: column, "the column is needed to add a new \(entity.noun)")
                bad = true
            }
            return nil
        }
        func parsed<T>(_ column: String, _ result: Result<T, CellProblem>) -> T? {
            switch result {
            case .success(let value): return value
            case .failure(let problem):
                log.add(line: line, column: column, problem.message)
                bad = true
                return nil
            }
        }
        func customerID(_ column: String) throws -> Int64? {
            guard let text = value(column) else { return nil }
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM customer WHERE key = ?", arguments: [text]) else {
                log.add(line: line, column: column, "unknown customer \"\(text)\"")
                bad = true
                return nil
            }
            return id
        }

        switch entity {
        case .models:
            if let name = value("name") { values["name"] = name.databaseValue }
            if let text = row["warranty_months"] {
                let months = text.isEmpty ? policy.defaultWarrantyMonths : parsed("warranty_months", Cell.integer(text, 0...600))
                values["warranty_months"] = months?.databaseValue
            } else if existing == nil {
                values["warranty_months"] = policy.defaultWarrantyMonths.databaseValue
            }
            if let successor = row["successor"] {
                if successor.isEmpty {
                    values["successor_id"] = .null
                } else if successor == key {
                    log.add(line: line, column: "successor", "a model cannot be its own successor")
                    bad = true
                } else if let id = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE key = ?", arguments: [successor]) {
                    values["successor_id"] = id.databaseValue
                } else {
                    pendingSuccessors.append((line, key, successor))  // a model later in the file, checked at the end
                    forceChange = true
                }
            }
        case .customers:
            if let name = value("name") { values["name"] = name.databaseValue }
            if let region = value("region") { values["region"] = parsed("region", Cell.region(region, policy: policy))?.databaseValue }
            if let manager = value("account_manager") { values["account_manager"] = manager.databaseValue }
            if let tam = row["tam"] { values["tam"] = tam.isEmpty ? .null : tam.databaseValue }
        case .sites:
            let customer = try customerID("customer")
            if let customer {
                if let existing, let owner: Int64 = existing["customer_id"], owner != customer {
                    log.add(line: line, column: "customer", "site \"\(key)\" belongs to another customer; a site cannot move")
                    bad = true
                }
                values["customer_id"] = customer.databaseValue
            }
            if let name = value("name") { values["name"] = name.databaseValue }
            if let country = value("country") {
                let code = country.uppercased()
                if code.count == 2 && code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    values["country"] = code.databaseValue
                } else {
                    log.add(line: line, column: "country", "\"\(country)\" is not a two-letter country code (ISO 3166)")
                    bad = true
                }
            }
            if let region = row["region"], !region.isEmpty {
                values["region"] = parsed("region", Cell.region(region, policy: policy))?.databaseValue
            } else if existing == nil, let customer {
                values["region"] = try String.fetchOne(db, sql: "SELECT region FROM customer WHERE id = ?", arguments: [customer])?
                    .databaseValue
            }
            if let address = row["address"] {
                values["address"] = address.databaseValue
            } else if existing == nil {
                values["address"] = "".databaseValue
            }
        case .depots:
            if let name = value("name") { values["name"] = name.databaseValue }
            if let region = value("region") { values["region"] = parsed("region", Cell.region(region, policy: policy))?.databaseValue }
            if let address = row["address"] { values["address"] = address.databaseValue }
        case .contracts:
            let customer = try customerID("customer")
            if let customer {
                if let existing, let owner: Int64 = existing["customer_id"], owner != customer {
                    log.add(line: line, column: "customer", "contract \"\(key)\" belongs to another customer; a contract cannot move")
                    bad = true
                }
                values["customer_id"] = customer.databaseValue
            }
            if let tier = value("tier") {
                if let parsedTier = Tier(rawValue: tier.lowercased()) {
                    values["tier"] = parsedTier.rawValue.databaseValue
                } else {
                    log.add(line: line, column: "tier", "unknown tier \"\(tier)\" (standard, premium, premium-plus)")
                    bad = true
                }
            }
            let start = value("start_date").flatMap { parsed("start_date", Cell.date($0)) }
            let end = value("end_date").flatMap { parsed("end_date", Cell.date($0)) }
            if let start { values["start_date"] = start.description.databaseValue }
            if let end { values["end_date"] = end.description.databaseValue }
            let startText: String? = start?.description ?? existing?["start_date"]
            let endText: String? = end?.description ?? existing?["end_date"]
            if let startText, let endText, startText > endText {
                log.add(line: line, column: "end_date", "the contract ends (\(endText)) before it starts (\(startText))")
                bad = true
            }
            if let max = value("max_contacts") {
                values["max_contacts"] = parsed("max_contacts", Cell.integer(max, 0...10_000))?.databaseValue
            }
            if let owner: Int64 = customer ?? existing?["customer_id"] { touchedCustomers[owner] = line }
        case .contacts:
            let customer = try customerID("customer")
            if let customer {
                // A contact's cases, closures and audit entries are its customer's: moving it would hand them over.
                if let existing, let owner: Int64 = existing["customer_id"], owner != customer {
                    log.add(line: line, column: "customer", "contact \"\(key)\" belongs to another customer; a contact cannot move")
                    bad = true
                }
                values["customer_id"] = customer.databaseValue
            }
            if let name = value("name") { values["name"] = name.databaseValue }
            for flag in ["designated", "certified"] {
                if let text = row[flag] {
                    values[flag] = parsed(flag, Cell.bool(text))?.databaseValue
                } else if existing == nil {
                    values[flag] = false.databaseValue
                }
            }
            if let owner: Int64 = customer ?? existing?["customer_id"] { touchedCustomers[owner] = line }
        case .releases:
            if let date = value("released_on") { values["released_on"] = parsed("released_on", Cell.date(date))?.description.databaseValue }
        case .appliances:
            preconditionFailure("appliances have their own importer")
        }
        guard !bad else { return nil }

        if let existing {
            let changed = forceChange || values.contains { column, value in existing[column] as DatabaseValue != value }
            guard changed else { return .unchanged }
            if entity == .models, let months = values["warranty_months"], months != existing["warranty_months"] as DatabaseValue {
                warrantyChanged.insert(existing["id"])
            }
            let columns = values.keys.sorted()
            guard !columns.isEmpty else { return .updated }
            try db.execute(
                sql: "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(keyColumn) = ?",
                arguments: StatementArguments(columns.map { values[$0] ?? .null } + [key.databaseValue]))
            return .updated
        }
        let columns = [keyColumn] + values.keys.sorted()
        try db.execute(
            sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            arguments: StatementArguments([key.databaseValue] + values.keys.sorted().map { values[$0] ?? .null }))
        return .added
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
            return raw
        }
    }

    mutating func finish(db: Database, log: inout ProblemLog) throws {
        for pending in pendingSuccessors {
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE key = ?", arguments: [pending.successor]) else {
                log.add(line: pending.line, column: "successor", "unknown model \"\(pending.successor)\"")
                continue
            }
            try db.execute(sql: "UPDATE model SET successor_id = ? WHERE key = ?", arguments: [id, pending.model])
        }
        for model in warrantyChanged.sorted() {
            // Warranty follows the model's months, except for replacements, which carry their own end.
            try db.execute(
                sql: """
                    UPDATE appliance SET warranty_end = depot_add_months(ship_date, (SELECT warranty_months FROM model WHERE id = ?))
                    WHERE model_id = ? AND replacement_warranty = 0
                    """,
                arguments: [model, model])
        }
        for (customer, line) in touchedCustomers.sorted(by: { $0.value < $1.value }) {
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.key AS customer,
                           (SELECT count(*) FROM contact WHERE customer_id = c.id AND designated = 1) AS designated,
                           (SELECT max_contacts FROM contract WHERE customer_id = c.id ORDER BY end_date DESC, start_date DESC LIMIT 1) AS cap
                    FROM customer c WHERE c.id = ?
                    """,
                arguments: [customer])
            guard let row else { continue }
            if let problem = DesignatedContacts.capProblem(customer: row["customer"], designated: row["designated"], cap: row["cap"]) {
                log.add(line: line, column: entity == .contacts ? "designated" : "max_contacts", problem)
            }
        }
    }
}
