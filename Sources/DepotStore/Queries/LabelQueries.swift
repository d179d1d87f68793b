import DepotCore
import GRDB

extension DepotDatabase {
    /// The shipping label of one direction of an RMA. The replacement goes from the depot it was allocated
    /// from to the defective unit's site; the defective unit goes back from the site to that depot (before an
    /// allocation, the first depot of the RMA's region). A sales referral ships nothing.
    public func rmaLabel(_ number: RMANumber, direction: ShippingLabel.Direction) throws(DepotError) -> ShippingLabel {
        try read { db in
            guard
                let rma = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT r.number, r.path, r.region, r.carrier, r.tracking, r.return_carrier, r.return_tracking, r.depot_id, r.return_depot_id,
                                   a.serial, m.key AS model, m.name AS model_name, s.name AS site_name, s.address, s.country,
                                   c.name AS customer_name, ra.serial AS replacement, rm.key AS replacement_model, rm.name AS replacement_model_name
                            FROM rma r
                            JOIN appliance a ON a.id = r.appliance_id
                            JOIN model m ON m.id = a.model_id
                            JOIN customer c ON c.id = r.customer_id
                            LEFT JOIN site s ON s.id = r.site_id
                            LEFT JOIN appliance ra ON ra.id = r.replacement_id
                            LEFT JOIN model rm ON rm.id = ra.model_id
                            WHERE r.number = ?
                            """), arguments: [number.text])
            else { throw DepotError.notFound(kind: "RMA", key: number.text) }
            let rmaNumber: String = rma["number"]
            guard rma["path"] as String != RMAPath.salesReferral.rawValue else {
                throw DepotError.refused(subject: rmaNumber, reason: "is a sales referral: nothing is shipped")
            }
            let depot = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT name, address FROM depot WHERE id = ?1 OR (?1 IS NULL AND region = ?2) ORDER BY id = ?1 DESC, key LIMIT 1
                        """),
                arguments: [
                    direction == .return ? (rma["return_depot_id"] as Int64?) ?? (rma["depot_id"] as Int64?) : (rma["depot_id"] as Int64?),
                    rma["region"],
                ])
            guard let depot else {
                throw DepotError.refused(subject: rmaNumber, reason: "no depot serves region \(rma["region"] as String)")
            }
            let depotAddress = ShippingLabel.Address(lines: ["Depot \(depot["name"] as String)"] + Self.addressLines(depot["address"]))
            let siteAddress = ShippingLabel.Address(
                lines: [rma["customer_name"], rma["site_name"] ?? ""] + Self.addressLines(rma["address"])
                    + [(rma["country"] as String?) ?? ""])
            let serial: String = rma["serial"]
            switch direction {
            case .replacement:
                guard let replacement = rma["replacement"] as String? else {
                    throw DepotError.refused(subject: rmaNumber, reason: "has no replacement allocated yet: allocate one first")
                }
                return ShippingLabel(
                    rma: rmaNumber, direction: .replacement, shipTo: siteAddress, returnTo: depotAddress,
                    model: "\(rma["replacement_model"] as String) (\(rma["replacement_model_name"] as String))",
                    serials: ["Replacement \(replacement)", "for defective \(serial)"],
                    carrier: rma["carrier"], tracking: rma["tracking"])
            case .return:
                return ShippingLabel(
                    rma: rmaNumber, direction: .return, shipTo: depotAddress, returnTo: siteAddress,
                    model: "\(rma["model"] as String) (\(rma["model_name"] as String))",
                    serials: ["Defective \(serial)"] + ((rma["replacement"] as String?).map { ["replaced by \($0)"] } ?? []),
                    carrier: rma["return_carrier"], tracking: rma["return_tracking"])
            }
        }
    }

    /// An address as stored: lines split at line breaks, or at commas when it has none.
    static func addressLines(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        let separator: Character = text.contains("\n") ? "\n" : ","
        return text.split(separator: separator).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }
}
