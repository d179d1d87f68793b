import DepotCore

/// One page of a list (the web UI's list pages): the items, how many match in all, and the names of the customers
/// the items name by key (a list shows "ACME · Acme Corp").
public struct Listing<Item: Sendable>: Sendable {
    public let items: [Item]
    public let total: Int
    public let customerNames: [String: String]
}

/// How a list is sorted: a column of its kind and a direction.
public struct ListOrder<Column: Sendable>: Sendable {
    public var column: Column
    public var descending: Bool

    public init(_ column: Column, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }

    /// `ASC` or `DESC` for a key that sorts the natural way round (flipped for a descending order).
    func direction(reversed: Bool = false) -> String { descending != reversed ? "DESC" : "ASC" }
}

/// The columns a case list sorts by. `due` is the response SLA's time left: cases still to respond to first, by their
/// deadline (those past it at the top), then the others.
public enum CaseColumn: String, CaseIterable, Sendable {
    case due, opened, number, priority, status, customer
}

public enum RMAColumn: String, CaseIterable, Sendable {
    /// The next deadline still open: the ship-by until the replacement ships, then the return due until the unit is back.
    case deadline
    case number, state, path, customer
}

public enum UnitColumn: String, CaseIterable, Sendable {
    case serial, model, status, customer, warranty
}

public enum CustomerColumn: String, CaseIterable, Sendable {
    case key, name, region, manager
}

/// Filters of the unit list; `nil` means any.
public struct UnitFilter: Sendable {
    public var status: ApplianceStatus?
    public var model: String?
    public var customer: String?
    /// Part of a serial, in any case.
    public var serialContains: String?
    /// Only units without an RMA still open (a returned unit ready to refurbish or scrap).
    public var withoutOpenRMA = false

    public init(
        status: ApplianceStatus? = nil, model: String? = nil, customer: String? = nil, serialContains: String? = nil,
        withoutOpenRMA: Bool = false
    ) {
        self.withoutOpenRMA = withoutOpenRMA
        self.status = status
        self.model = model
        self.customer = customer
        self.serialContains = serialContains
    }
}

/// Filters of the customer list; `nil` means any.
public struct CustomerFilter: Sendable {
    /// Part of the key or the name, in any case.
    public var text: String?
    public var region: String?
    public var accountManager: String?

    public init(text: String? = nil, region: String? = nil, accountManager: String? = nil) {
        self.text = text
        self.region = region
        self.accountManager = accountManager
    }
}

/// The `WHERE` of a list's query, built from its filters, every value a bound argument.
struct SQLConditions {
    private(set) var clauses: [String] = []
    private(set) var arguments: [any SQLBindable] = []

    mutating func add(_ clause: String, _ values: any SQLBindable...) {
        add(clause, values)
    }

    mutating func add(_ clause: String, _ values: [any SQLBindable]) {
        clauses.append(clause)
        arguments += values
    }

    var sql: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    /// `text` as a `LIKE` pattern that matches it anywhere, its own `%`, `_` and `\` taken literally (`ESCAPE '\'`).
    static func contains(_ text: String) -> String {
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

extension DepotDatabase {
    /// The names of the customers `keys` name, by key (pages show "ACME · Acme Corp").
    public func customerNames(_ keys: [String]) throws(DepotError) -> [String: String] {
        try read { db in try Self.customerNames(db, keys) }
    }

    /// The names of the customers `keys` name, by key.
    static func customerNames(_ db: any SQLConnection, _ keys: some Sequence<String>) throws -> [String: String] {
        let unique = Array(Set(keys))
        guard !unique.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: unique.count).joined(separator: ", ")
        var names: [String: String] = [:]
        for row in try db.rows("SELECT key, name FROM customer WHERE key IN (\(marks))", unique, source: "query") {
            let stored = row.stored("customer")
            names[try stored("key")] = try stored("name")
        }
        return names
    }

    /// The number of rows `sql` (a `SELECT count(*)`) counts.
    static func count(_ db: any SQLConnection, _ sql: String, _ conditions: SQLConditions) throws -> Int {
        try db.value(Int.self, sql, conditions.arguments) ?? 0
    }
}
