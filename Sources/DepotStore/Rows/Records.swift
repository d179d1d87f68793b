import DepotCore

// The records the workflows read and change, decoded once from `SELECT *` (StoredRow): every column typed, an
// unreadable value refused. Column names map to camel case (`warranty_end` -> `warrantyEnd`).

/// A customer as stored.
struct CustomerRecord: RowDecodable, Sendable {
    static let table = "customer"
    let id: Int64
    let key: String
    let name: String
    let region: String
    let accountManager: String
    let tam: String?

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        key = try row("key")
        name = try row("name")
        region = try row("region")
        accountManager = try row("account_manager")
        tam = try row.optional("tam")
    }
}

/// A support contact as stored.
struct ContactRecord: RowDecodable, Sendable {
    static let table = "contact"
    let id: Int64
    let email: String
    let customerID: Int64
    let name: String
    let designated: Bool
    let certified: Bool

    init(row: StoredRow) throws(DepotError) {
        id = try row("id")
        email = try row("email")
        customerID = try row("customer_id")
        name = try row("name")
        designated = try row("designated")
        certified = try row("certified")
    }
}
