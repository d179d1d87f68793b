import DepotCore

/// A customer in a list: who looks after them and how many units they have.
public struct CustomerSummary: Sendable, Encodable {
    public let key: String
    public let name: String
    public let region: String
    public let accountManager: String
    @NullEncodable public private(set) var tam: String?
    /// The highest tier among the contracts active on the day asked for, `nil` without one.
    @NullEncodable public private(set) var tier: Tier?

    enum CodingKeys: String, CodingKey { case key, name, region, accountManager, tam, tier }

    /// Absent values are written as `null`, as everywhere in the API.
}

/// A customer with their sites, contracts, contacts and counts, as the API and the customer page show them.
public struct CustomerDetail: Sendable, Encodable {
    public struct Site: Sendable, Encodable {
        public let key: String
        public let name: String
        public let country: String
        public let region: String
        public let address: String
    }

    public struct Contract: Sendable, Encodable {
        public let key: String
        public let tier: Tier
        public let start: LocalDate
        public let end: LocalDate
        public let maxContacts: Int
        public let active: Bool
    }

    public struct Contact: Sendable, Encodable {
        public let email: String
        public let name: String
        public let designated: Bool
        public let certified: Bool
    }

    public let key: String
    public let name: String
    public let region: String
    public let accountManager: String
    @NullEncodable public private(set) var tam: String?
    @NullEncodable public private(set) var tier: Tier?
    public let sites: [Site]
    public let contracts: [Contract]
    public let contacts: [Contact]
    public let units: Int
    public let openCases: Int
    public let openRMAs: Int
    /// Whether the customer has an after-hours PIN (SPEC.md 8), and when it was last set; never the PIN.
    public let pinSet: Bool
    @NullEncodable public private(set) var pinRotatedAt: Instant?

    enum CodingKeys: String, CodingKey {
        case key, name, region, accountManager, tam, tier, sites, contracts, contacts, units, openCases, openRMAs, pinSet, pinRotatedAt
    }

    /// Absent values are written as `null`, as everywhere in the API.
}

extension DepotDatabase {
    /// Customers by key, a page at a time; each one's tier is that of its contracts active on the day `now` is in
    /// the customer's region.
    public func customers(at now: Instant, limit: Int = 1000, offset: Int = 0) throws(DepotError) -> [CustomerSummary] {
        try read { db in
            try db.fetchAll(
                CustomerRecord.self, "SELECT * FROM customer ORDER BY key LIMIT ? OFFSET ?", [limit, offset], source: CustomerRecord.table
            ).map { customer in
                CustomerSummary(
                    key: customer.key, name: customer.name, region: customer.region, accountManager: customer.accountManager,
                    tam: customer.tam,
                    tier: try FindRecord.activeTier(
                        db, customerID: customer.id, on: try policy.day(of: now, storedRegion: customer.region, table: "customer")))
            }
        }
    }

    /// A customer's contacts, by address (the case page's list of who may ask for an escalation).
    public func contacts(ofCustomer key: String) throws(DepotError) -> [CustomerDetail.Contact] {
        try read { db in try Self.contacts(db, customerID: try FindRecord.customer(db, key: key).id) }
    }

    private static func contacts(_ db: any SQLConnection, customerID: Int64) throws -> [CustomerDetail.Contact] {
        try db.fetchAll(
            ContactRecord.self, "SELECT * FROM contact WHERE customer_id = ? ORDER BY email", [customerID], source: ContactRecord.table
        ).map { CustomerDetail.Contact(email: $0.email, name: $0.name, designated: $0.designated, certified: $0.certified) }
    }

    /// One customer with everything the customer page shows; contracts active on the day `now` is in the customer's
    /// region.
    public func customerDetail(_ key: String, at now: Instant) throws(DepotError) -> CustomerDetail {
        try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let id = customer.id
            let day = try policy.day(of: now, storedRegion: customer.region, table: "customer")
            let sites = try db.rows("SELECT * FROM site WHERE customer_id = ? ORDER BY key", [id], source: "query")
                .map { row throws(DepotError) in
                    let site = row.stored("site")
                    return CustomerDetail.Site(
                        key: try site("key"), name: try site("name"), country: try site("country"), region: try site("region"),
                        address: try site("address"))
                }
            let contracts = try db.rows("SELECT * FROM contract WHERE customer_id = ? ORDER BY start_date, key", [id], source: "query")
                .map { row throws(DepotError) in try CustomerDetail.Contract(row.stored("contract"), on: day) }
            let contacts = try Self.contacts(db, customerID: id)
            let counts = try db.rows(
                """
                SELECT (SELECT CAST(coalesce(sum(units), 0) AS BIGINT) FROM unit_tally WHERE customer_id = ?1) AS units,
                       (SELECT count(*) FROM support_case WHERE customer_id = ?1 AND status <> 'closed') AS cases,
                       (SELECT count(*) FROM rma r WHERE r.customer_id = ?1 AND r.state <> 'closed' AND r.state <> 'cancelled') AS rmas,
                       (SELECT pin_hash IS NOT NULL FROM customer WHERE id = ?1) AS pin_set,
                       (SELECT pin_rotated_at FROM customer WHERE id = ?1) AS pin_rotated_at
                """, [id], source: "query"
            ).first
            return CustomerDetail(
                key: customer.key, name: customer.name, region: customer.region, accountManager: customer.accountManager,
                tam: customer.tam, tier: try FindRecord.activeTier(db, customerID: id, on: day), sites: sites,
                contracts: contracts, contacts: contacts, units: try counts?.optional("units") ?? 0,
                openCases: try counts?.optional("cases") ?? 0, openRMAs: try counts?.optional("rmas") ?? 0,
                pinSet: try counts?.optional("pin_set") ?? false, pinRotatedAt: try counts?.optional("pin_rotated_at"))
        }
    }
}
