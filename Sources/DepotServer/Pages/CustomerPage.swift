import DepotCore
import DepotStore
import Foundation
import Mustache

/// `/customers/{key}`: the customer's facts, open cases, contracts, sites and contacts.
struct CustomerPage: PageModel {
    static let template = "customer"
    let title: String
    let customer: CustomerDetail
    let cases: [CaseRow]
    let sites: [Site]
    let contracts: [Contract]
    let contacts: [Contact]
    /// Whether the signed-in user may create or rotate the PIN; the PIN just made, shown once.
    let canSetPIN: Bool
    let newPIN: String?
    let zone: TimeZone

    /// `key` as the address gave it, for the title.
    init(_ key: String, database: DepotDatabase, now: Instant, actor: ActingUser, newPIN: String? = nil) throws {
        title = "Customer \(key)"
        canSetPIN = actor.role.allows(.setPIN)
        self.newPIN = newPIN
        customer = try database.customerDetail(key, at: now)
        cases = try database.cases(CaseFilter(customer: customer.key, unresolvedOnly: true), now: now, limit: 100)
            .map { CaseRow($0, database: database, now: now) }
        sites = customer.sites.map(Site.init)
        contracts = customer.contracts.map(Contract.init)
        contacts = customer.contacts.map(Contact.init)
        zone = PageTimes.zone(database, region: customer.region)
    }

    func child(named name: String) -> Any? {
        switch name {
        case "key": key(customer.key)
        case "name": text(customer.name)
        case "region": text(customer.region)
        case "accountManager": text(customer.accountManager)
        case "tam": text(customer.tam)
        case "tier": text(customer.tier?.rawValue ?? "no active contract")
        case "units": customer.units
        case "openCases": customer.openCases
        case "openRMAs": customer.openRMAs
        case "pinSet": customer.pinSet
        case "pinRotatedAt": text(PageTimes.local(customer.pinRotatedAt, zone: zone))
        case "canSetPIN": canSetPIN
        case "newPIN": text(newPIN)
        case "sites": sites
        case "contracts": contracts
        case "contacts": contacts
        case "cases": cases
        case "hasCases": !cases.isEmpty
        default: nil
        }
    }

    struct Site: MustacheParent, Sendable {
        let site: CustomerDetail.Site

        func child(named name: String) -> Any? {
            switch name {
            case "key": text(site.key)
            case "name": text(site.name)
            case "country": text(site.country)
            case "region": text(site.region)
            case "address": text(site.address)
            default: nil
            }
        }
    }

    struct Contract: MustacheParent, Sendable {
        let contract: CustomerDetail.Contract

        func child(named name: String) -> Any? {
            switch name {
            case "key": text(contract.key)
            case "tier": text(contract.tier.rawValue)
            case "start": text(contract.start.description)
            case "end": text(contract.end.description)
            case "maxContacts": contract.maxContacts
            case "active": contract.active
            default: nil
            }
        }
    }

    struct Contact: MustacheParent, Sendable {
        let contact: CustomerDetail.Contact

        func child(named name: String) -> Any? {
            switch name {
            case "email": text(contact.email)
            case "name": text(contact.name)
            case "designated": contact.designated
            case "certified": contact.certified
            default: nil
            }
        }
    }
}
