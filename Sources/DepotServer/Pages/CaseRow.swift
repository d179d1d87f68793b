import DepotCore
import DepotStore
import Foundation
import Mustache

/// A case in a list (the support view, a customer's open cases): its facts and the live response-SLA state.
struct CaseRow: MustacheParent, Sendable {
    let summary: CaseSummary
    let sla: (text: String, tone: String)
    /// The response deadline in the case region's home zone.
    let due: String
    /// The customer's name, shown next to its key.
    var customerName: String?

    init(_ c: CaseSummary, database: DepotDatabase, now: Instant, customerName: String? = nil) {
        self.customerName = customerName
        let left = c.responseDue.map { database.timeLeft(until: $0, threshold: c.responseThreshold, region: c.region, now: now) }
        summary = c
        sla = PageTimes.sla(state: c.slaState, left: left)
        // A response that met its SLA has no due time left to show.
        due = c.slaState == .met ? "" : PageTimes.local(c.responseDue, zone: PageTimes.zone(database, region: c.region))
    }

    func child(named name: String) -> Any? {
        switch name {
        case "number": text(summary.number)
        case "customer": key(summary.customer)
        case "customerName": text(customerName)
        case "priority": text(summary.priority.rawValue)
        case "status": text(summary.status.rawValue)
        case "type": text(summary.type.rawValue)
        case "serial": key(summary.serial)
        case "title": text(summary.title)
        case "sla": text(sla.text)
        case "slaTone": text(sla.tone)
        case "due": text(due)
        case "region": text(summary.region)
        default: nil
        }
    }
}
