import DepotCore

/// Finding records by the keys users type, with a `notFound` error naming what was asked for.
enum FindRecord {
    /// The customer with `key`; a key typed in other letter case (`c121` for `C121`) finds the one customer it can
    /// only mean, never one of two keys that differ only so.
    static func customer(_ db: any SQLConnection, key raw: String) throws -> CustomerRecord {
        let key = raw.trimmingSpaces()
        if let record = try CustomerRecord.find(db, "key", key) { return record }
        let matches = try db.fetchAll(
            CustomerRecord.self, "SELECT \(CustomerRecord.columns) FROM customer WHERE lower(key) = lower(?) LIMIT 2", [key],
            source: CustomerRecord.table)
        guard matches.count == 1, let record = matches.first else { throw DepotError.notFound(kind: "customer", key: raw) }
        return record
    }

    static func contact(_ db: any SQLConnection, email: String) throws -> ContactRecord {
        let email = email.trimmingSpaces().lowercased()
        guard let record = try ContactRecord.find(db, "email", email) else { throw DepotError.notFound(kind: "contact", key: email) }
        return record
    }

    static func appliance(_ db: any SQLConnection, serial: Serial) throws -> ApplianceRecord {
        guard let record = try ApplianceRecord.find(db, "serial", serial.text) else {
            throw DepotError.notFound(kind: "appliance", key: serial.text)
        }
        return record
    }

    /// The appliance with the row id `id` (a reference held by another record).
    static func appliance(_ db: any SQLConnection, id: Int64) throws -> ApplianceRecord {
        guard let record = try ApplianceRecord.find(db, "id", id) else { throw DepotError.notFound(kind: "appliance", key: "#\(id)") }
        return record
    }

    static func supportCase(_ db: any SQLConnection, number: CaseNumber) throws -> CaseRecord {
        guard let record = try CaseRecord.find(db, "number", number.text) else { throw DepotError.notFound(kind: "case", key: number.text) }
        return record
    }

    static func rma(_ db: any SQLConnection, number: RMANumber) throws -> RMARecord {
        guard let record = try RMARecord.find(db, "number", number.text) else { throw DepotError.notFound(kind: "RMA", key: number.text) }
        return record
    }

    /// The customer, the contact and the customer's contracts each new case of a group needs (`pairs` as typed), read
    /// with one query for the whole group: each was a round trip of its own on PostgreSQL. A key or an email it does
    /// not find exactly takes the lookups one by one, for their case-insensitive matches and their errors, which are
    /// that pair's result.
    static func caseParties(_ db: any SQLConnection, _ pairs: [(customer: String, contact: String)]) throws
        -> [Result<CaseParties, DepotError>]
    {
        let asked = pairs.map { (key: $0.customer.trimmingSpaces(), email: $0.contact.trimmingSpaces().lowercased()) }
        // By their bytes, as the database matches them: canonically equivalent keys are different customers.
        var distinct: [ExactText: (key: String, email: String)] = [:]
        for pair in asked { distinct[ExactText(pair.key, pair.email)] = pair }
        let ordered = distinct.sorted { $0.key < $1.key }.map(\.value)
        var found: [ExactText: CaseParties] = [:]
        if !ordered.isEmpty {
            let aggregate = db.dialect.listAggregate("tier || ' ' || start_date || ' ' || end_date", orderBy: "id")
            let values = Array(repeating: "(?, ?)", count: ordered.count).joined(separator: ", ")
            // VALUES names its columns column1, column2 on both backends.
            let rows = try db.rows(
                """
                SELECT c.id, c.key, c.name, c.region, c.account_manager, c.tam, t.id AS contact_id, t.email AS contact_email,
                    t.customer_id AS contact_customer, t.name AS contact_name, t.designated AS contact_designated,
                    t.certified AS contact_certified, p.column1 AS asked_key,
                    (SELECT \(aggregate) FROM contract WHERE customer_id = c.id) AS contracts
                FROM (VALUES \(values)) AS p JOIN customer c ON c.key = p.column1 JOIN contact t ON t.email = p.column2
                """, ordered.flatMap { [$0.key, $0.email] as [any SQLBindable] }, source: "customer")
            for row in rows {
                let parties = try Self.caseParties(row)
                found[ExactText(try row("asked_key") as String, parties.contact.email)] = parties
            }
        }
        var result: [Result<CaseParties, DepotError>] = []
        for (index, pair) in asked.enumerated() {
            if let parties = found[ExactText(pair.key, pair.email)] {
                result.append(.success(parties))
                continue
            }
            do {
                result.append(
                    .success(try Self.casePartiesOneByOne(db, customerKey: pairs[index].customer, contactEmail: pairs[index].contact)))
            } catch let error as DepotError {
                result.append(.failure(error))
            }
        }
        return result
    }

    /// The parties of one row of the group's query.
    private static func caseParties(_ row: StoredRow) throws(DepotError) -> CaseParties {
        let contact = ContactRecord(
            id: try row("contact_id"), email: try row("contact_email"), customerID: try row("contact_customer"),
            name: try row("contact_name"),
            designated: try row("contact_designated"), certified: try row("contact_certified"))
        var contracts: [CaseParties.Contract] = []
        for text in (try row.optional("contracts") as String?)?.split(separator: ",") ?? [] {
            let parts = text.split(separator: " ")
            guard parts.count == 3, let tier = Tier(rawValue: String(parts[0])), let start = LocalDate(iso: parts[1]),
                let end = LocalDate(iso: parts[2])
            else { throw DepotError.unreadableValue(table: "contract", column: "tier, start_date, end_date", value: String(text)) }
            contracts.append(CaseParties.Contract(tier: tier, start: start, end: end))
        }
        return CaseParties(customer: try CustomerRecord(row: row), contact: contact, contracts: contracts)
    }

    /// The parties of a pair the group's query did not find as typed: each looked up on its own.
    private static func casePartiesOneByOne(_ db: any SQLConnection, customerKey: String, contactEmail: String) throws -> CaseParties {
        let customer = try Self.customer(db, key: customerKey)
        let contact = try Self.contact(db, email: contactEmail)
        let contracts = try db.rows(
            "SELECT tier, start_date, end_date FROM contract WHERE customer_id = ? ORDER BY id", [customer.id], source: "contract"
        ).map { row throws(DepotError) in
            CaseParties.Contract(tier: try row("tier"), start: try row("start_date"), end: try row("end_date"))
        }
        return CaseParties(customer: customer, contact: contact, contracts: contracts)
    }

    /// The highest tier among the customer's contracts active on `day` (start <= day <= end), if any.
    static func activeTier(_ db: any SQLConnection, customerID: Int64, on day: LocalDate) throws -> Tier? {
        let rows = try db.rows(
            "SELECT tier FROM contract WHERE customer_id = ? AND start_date <= ? AND end_date >= ?",
            [customerID, day.description, day.description], source: "query")
        return try rows.map { row throws(DepotError) -> Tier in try row.decode("tier", from: "contract") }.max()
    }

    /// The region whose clock and calendar apply to a unit: its site's, else its customer's.
    static func region(_ db: any SQLConnection, siteID: Int64?, customerID: Int64?) throws -> String? {
        if let siteID,
            let region = try db.value(String.self, "SELECT region FROM site WHERE id = ?", [siteID])
        {
            return region
        }
        if let customerID {
            return try db.value(String.self, "SELECT region FROM customer WHERE id = ?", [customerID])
        }
        return nil
    }

    /// The key users know the record of `table` with row id `id` by (a serial, a number, an email, a key), as `T`.
    static func key<T: StoredValue>(_ db: any SQLConnection, table: String, id: Int64?) throws -> T? {
        guard let id else { return nil }
        let column =
            table == "contact" ? "email" : table == "appliance" ? "serial" : table == "support_case" || table == "rma" ? "number" : "key"
        return try db.rows("SELECT \(column) FROM \(table) WHERE id = ?", [id], source: "query").first
            .map { row throws(DepotError) -> T in try row.decode(column, from: table) }
    }
}

/// What a new case is opened for: the customer, the reporting contact and the customer's contracts.
struct CaseParties {
    struct Contract {
        let tier: Tier
        let start: LocalDate
        let end: LocalDate
    }

    let customer: CustomerRecord
    let contact: ContactRecord
    let contracts: [Contract]

    /// The highest tier among the contracts active on `day` (start <= day <= end), if any.
    func activeTier(on day: LocalDate) -> Tier? {
        contracts.filter { $0.start <= day && day <= $0.end }.map(\.tier).max()
    }
}

extension Instant {
    /// The instant stored as text in the database.
    init?(databaseText: String?) {
        guard let databaseText else { return nil }
        self.init(iso: databaseText)
    }
}

/// The customer key a user typed, in SQL: the key itself when a customer has it, else the one key that differs from
/// it only in letter case (`c121` for `C121`), else none; binds the typed key twice. `FindRecord.customer` in SQL,
/// for list filters and reports.
public enum CustomerKeySQL {
    public static let typed =
        "COALESCE((SELECT key FROM customer WHERE key = ?), (SELECT CASE WHEN count(*) = 1 THEN max(key) END FROM customer WHERE lower(key) = lower(?)))"
}

extension Policy {
    /// The day of `instant` in a region read from the store (SPEC.md 2); a region this policy does not define is an
    /// unreadable value of `table`, never UTC's day.
    func day(of instant: Instant, storedRegion region: String, table: String) throws(DepotError) -> LocalDate {
        guard regions.contains(where: { $0.id == region }) else { throw .unreadableValue(table: table, column: "region", value: region) }
        return day(of: instant, region: region)
    }
}
