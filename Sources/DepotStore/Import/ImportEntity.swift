import DepotCore

/// What an import file holds: one entity per file, columns named in a header row.
public enum ImportEntity: String, CaseIterable, Sendable, Codable {
    case models, customers, sites, depots, contracts, contacts, releases, appliances

    /// Every column the file may have, the key first.
    public var columns: [String] {
        switch self {
        case .models: ["model", "name", "warranty_months", "successor"]
        case .customers: ["customer", "name", "region", "account_manager", "tam"]
        case .sites: ["site", "customer", "name", "country", "region", "address"]
        case .depots: ["depot", "name", "region", "address"]
        case .contracts: ["contract", "customer", "tier", "start_date", "end_date", "max_contacts"]
        case .contacts: ["email", "customer", "name", "designated", "certified"]
        case .releases: ["version", "released_on"]
        case .appliances: ["serial", "model", "customer", "site", "depot", "ship_date", "software_version", "status"]
        }
    }

    /// The key column: a row whose key exists updates that record.
    public var key: String { columns[0] }

    /// The singular noun, for messages.
    public var noun: String {
        switch self {
        case .models: "model"
        case .customers: "customer"
        case .sites: "site"
        case .depots: "depot"
        case .contracts: "contract"
        case .contacts: "contact"
        case .releases: "release"
        case .appliances: "appliance"
        }
    }

    /// What the columns mean, for `--help`.
    public static let help = """
        models      model,name,warranty_months,successor
        customers   customer,name,region,account_manager,tam
        sites       site,customer,name,country,region,address
        depots      depot,name,region,address
        contracts   contract,customer,tier,start_date,end_date,max_contacts
        contacts    email,customer,name,designated,certified
        releases    version,released_on
        appliances  serial,model,customer,site,depot,ship_date,software_version,status
        """
}

/// What an import did.
public struct ImportSummary: Sendable, Equatable, Encodable {
    /// The entity imported.
    public let entity: ImportEntity
    /// The file's name as given.
    public let file: String
    /// Data rows read.
    public let rows: Int
    /// Rows that added a record.
    public let added: Int
    /// Rows that changed an existing record.
    public let updated: Int
    /// Rows equal to the record already held.
    public let unchanged: Int

    /// Creates a summary.
    public init(entity: ImportEntity, file: String, rows: Int, added: Int, updated: Int, unchanged: Int) {
        self.entity = entity
        self.file = file
        self.rows = rows
        self.added = added
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// Progress of a running import: bytes read so far and the file's size when known.
public typealias ImportProgress = (_ bytesRead: Int, _ totalBytes: Int?) -> Void
