import DepotCore

/// What happens to a defective unit once it is back (SPEC.md 4): refurbished into stock, or scrapped.
extension DepotDatabase {

    /// Puts a returned unit back in stock at a depot (by default the one it was returned to). A unit whose RMA is
    /// still open is refused: that RMA still needs it as it was received.
    public func refurbish(serial: Serial, depot: String? = nil, at: Instant, actor: ActingUser) throws(DepotError) {
        try actor.require(.moveUnits)
        let recordedAt = now()
        try write { db in
            let unit = try FindRecord.appliance(db, serial: serial)
            let unitSerial: String = unit.serial.text
            guard unit.status == .returned else {
                throw DepotError.refused(subject: unitSerial, reason: "is \(unit.status.rawValue); only a returned unit is refurbished")
            }
            try Self.refuseWhileInOpenRMA(db, unit, doing: "refurbished")
            try checkEventTime(at, after: EventTimes.lastOfUnit(db, unitID: unit.id), "the unit's last move")
            let depotRow: DepotRecord
            if let depot {
                guard let found = try DepotRecord.find(db, "key", depot) else { throw DepotError.notFound(kind: "depot", key: depot) }
                depotRow = found
            } else {
                guard let id = unit.depotID, let found = try DepotRecord.find(db, "id", id) else {
                    throw DepotError.refused(subject: unitSerial, reason: "is at no depot: name one with --depot")
                }
                depotRow = found
            }
            try db.execute(
                "UPDATE appliance SET status = 'in-stock', customer_id = NULL, site_id = NULL, depot_id = ?, moved_at = ? WHERE id = ?",
                [depotRow.id, at.description, unit.id])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "refurbish", entity: "appliance", key: unitSerial,
                customerID: nil, details: ["depot": depotRow.key])
        }
    }

    /// Scraps a returned unit (or a spare).
    /// With `expecting`, only a unit in that status (a form shown for a returned unit must not scrap the spare
    /// someone refurbished it into meanwhile): checked in the same transaction as the change.
    public func scrap(serial: Serial, reason: String? = nil, expecting: ApplianceStatus? = nil, at: Instant, actor: ActingUser)
        throws(DepotError)
    {
        try actor.require(.moveUnits)
        let recordedAt = now()
        try write { db in
            let unit = try FindRecord.appliance(db, serial: serial)
            let unitSerial: String = unit.serial.text
            let status = unit.status
            if let expecting, status != expecting {
                throw DepotError.illegalTransition(
                    subject: unitSerial, state: status.rawValue, action: "scrap", allowed: status == .inStock ? ["scrap"] : [])
            }
            guard status == .returned || status == .inStock else {
                throw DepotError.refused(subject: unitSerial, reason: "is \(status.rawValue); only a returned unit or a spare is scrapped")
            }
            try Self.refuseWhileInOpenRMA(db, unit, doing: "scrapped")
            try checkEventTime(at, after: EventTimes.lastOfUnit(db, unitID: unit.id), "the unit's last move")
            try db.execute(
                "UPDATE appliance SET status = 'scrapped', moved_at = ? WHERE id = ?",
                [at.description, unit.id])
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: "scrap", entity: "appliance", key: unitSerial,
                customerID: nil, reason: reason)
        }
    }
}
