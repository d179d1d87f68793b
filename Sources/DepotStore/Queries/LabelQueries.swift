import DepotCore

extension DepotDatabase {
    /// The shipping label of one direction of an RMA. The replacement goes from the depot it was allocated
    /// from to the defective unit's site; the defective unit goes back from the site to that depot (before an
    /// allocation, the first depot of the RMA's region). A sales referral ships nothing.
    public func rmaLabel(_ number: RMANumber, direction: ShippingLabel.Direction) throws(DepotError) -> ShippingLabel {
        try read { db in
            guard
                let found = try db.rows(
                    """
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
                    """, [number.text], source: "query"
                ).first
            else { throw DepotError.notFound(kind: "RMA", key: number.text) }
            let rma = found.stored("rma")
            let rmaNumber: String = try rma("number")
            guard try rma("path") as RMAPath != .salesReferral else {
                throw DepotError.refused(subject: rmaNumber, reason: "is a sales referral: nothing is shipped")
            }
            let region: String = try rma("region")
            let allocatedFrom: Int64? = try rma.optional("depot_id")
            let depotID = direction == .return ? try rma.optional("return_depot_id") ?? allocatedFrom : allocatedFrom
            guard
                let depot = try db.rows(
                    """
                    SELECT name, address FROM depot WHERE id = CAST(?1 AS BIGINT) OR (CAST(?1 AS BIGINT) IS NULL AND region = ?2) ORDER BY id = CAST(?1 AS BIGINT) DESC, key LIMIT 1
                    """, [depotID, region], source: "query"
                ).first?.stored("depot")
            else {
                throw DepotError.refused(subject: rmaNumber, reason: "no depot serves region \(region)")
            }
            let depotAddress = ShippingLabel.Address(
                lines: ["Depot \(try depot("name") as String)"] + Self.addressLines(try depot("address")))
            let siteAddress = ShippingLabel.Address(
                lines: [try rma("customer_name"), try rma.optional("site_name") ?? ""] + Self.addressLines(try rma.optional("address"))
                    + [try rma.optional("country") ?? ""])
            let serial: String = try rma("serial")
            let replacement: String? = try rma.optional("replacement")
            switch direction {
            case .replacement:
                guard let replacement else {
                    throw DepotError.refused(subject: rmaNumber, reason: "has no replacement allocated yet: allocate one first")
                }
                return ShippingLabel(
                    rma: rmaNumber, direction: .replacement, shipTo: siteAddress, returnTo: depotAddress,
                    model: "\(try rma("replacement_model") as String) (\(try rma("replacement_model_name") as String))",
                    serials: ["Replacement \(replacement)", "for defective \(serial)"],
                    carrier: try rma.optional("carrier"), tracking: try rma.optional("tracking"))
            case .return:
                return ShippingLabel(
                    rma: rmaNumber, direction: .return, shipTo: depotAddress, returnTo: siteAddress,
                    model: "\(try rma("model") as String) (\(try rma("model_name") as String))",
                    serials: ["Defective \(serial)"] + (replacement.map { ["replaced by \($0)"] } ?? []),
                    carrier: try rma.optional("return_carrier"), tracking: try rma.optional("return_tracking"))
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
