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

    /// The customer, the contact and the customer's contracts a new case needs, read with one query: each was a
    /// round trip of its own on PostgreSQL (three of the five a case waited for). A key or an email it does not find
    /// exactly takes the lookups one by one, for their case-insensitive matches and their errors.
    static func caseParties(_ db: any SQLConnection, customerKey: String, contactEmail: String) throws -> CaseParties {
        let (key, email) = (customerKey.trimmingSpaces(), contactEmail.trimmingSpaces().lowercased())
        let aggregate = db.dialect.listAggregate("tier || ' ' || start_date || ' ' || end_date", orderBy: "id")
        let rows = try db.rows(
            """
            SELECT c.id, c.key, c.name, c.region, c.account_manager, c.tam, t.id AS contact_id, t.customer_id AS contact_customer,
                t.name AS contact_name, t.designated AS contact_designated, t.certified AS contact_certified,
                (SELECT \(aggregate) FROM contract WHERE customer_id = c.id) AS contracts
            FROM customer c JOIN contact t ON t.email = ?2 WHERE c.key = ?1
            """, [key, email], source: "customer")
        guard let row = rows.first else {
            let customer = try Self.customer(db, key: customerKey)
            let contact = try Self.contact(db, email: contactEmail)
            let contracts = try db.rows(
                "SELECT tier, start_date, end_date FROM contract WHERE customer_id = ? ORDER BY id", [customer.id], source: "contract"
            ).map { row throws(DepotError) in
                CaseParties.Contract(tier: try row("tier"), start: try row("start_date"), end: try row("end_date"))
            }
            return CaseParties(customer: customer, contact: contact, contracts: contracts)
        }
        let contact = ContactRecord(
            id: try row("contact_id"), email: email, customerID: try row("contact_customer"), name: try row("contact_name"),
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
