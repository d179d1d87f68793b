import DepotCore

/// A case as opened: its number and, for a tier with round-the-clock support opened while its region was closed, how
/// that went and when its clocks start (SPEC.md 8), so that the answer can say which clock applies.
public struct OpenedCase: Sendable, Equatable {
    public let number: CaseNumber
    public let afterHours: AfterHoursOpening?
    public let clocksFrom: Instant

    /// Which clock applied, in words; `nil` for an opening in the region's hours or a tier without after-hours support.
    public var clockNote: String? { afterHours?.explanation }
}

/// A PIN to check, or its check decided without the slow hash (`DepotDatabase.pinToCheck`).
public enum PINToCheck: Sendable, Equatable {
    case decided(PINCheck)
    case verify(pin: String, hash: String)
}

/// Whether a customer has an after-hours PIN and since when (never the PIN, nor its hash).
public struct PINState: Sendable, Encodable, Equatable {
    public let customer: String
    public let set: Bool
    @NullEncodable public private(set) var rotatedAt: Instant?

    enum CodingKeys: String, CodingKey { case customer, set, rotatedAt }
}

extension DepotDatabase {
    /// Gives customer `key` a new after-hours PIN, stored only as `hash` (the caller's slow hash of it: SPEC.md 8). A
    /// customer with a PIN keeps it unless `rotate` (then the old one stops working at once). Audited without the PIN.
    public func setCustomerPIN(_ key: String, hash: String, rotate: Bool, at: Instant, actor: ActingUser) throws(DepotError) -> PINState {
        try actor.require(.setPIN)
        let recordedAt = now()
        return try write { db in
            let customer = try FindRecord.customer(db, key: key)
            let old = try db.rows("SELECT pin_hash, pin_rotated_at FROM customer WHERE id = ?", [customer.id], source: "customer").first
            let oldHash: String? = try old?.optional("pin_hash")
            let had = oldHash != nil
            if had, !rotate {
                throw DepotError.refused(
                    subject: customer.key, reason: "has an after-hours PIN already; rotate it to replace it (the old one stops working)")
            }
            try checkEventTime(at, after: try old?.optional("pin_rotated_at"), "\(customer.key)'s PIN was last set")
            // Compare-and-set: two rotations at once cannot both believe their PIN is the one that works.
            let changed = try db.execute(
                "UPDATE customer SET pin_hash = ?, pin_rotated_at = ? WHERE id = ? AND pin_hash IS NOT DISTINCT FROM ?",
                [hash, at.description, customer.id, oldHash])
            guard changed == 1 else {
                throw DepotError.refused(subject: customer.key, reason: "had its PIN changed meanwhile; look at it again before rotating")
            }
            try AuditLog.record(
                db, actor: actor, at: at, recordedAt: recordedAt, action: had ? "rotate-pin" : "set-pin", entity: "customer",
                key: customer.key, customerID: customer.id, details: [:])
            return PINState(customer: customer.key, set: true, rotatedAt: at)
        }
    }

    /// Whether customer `key` has an after-hours PIN, and since when.
    public func pinState(_ key: String) throws(DepotError) -> PINState {
        try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let row = try db.rows(
                "SELECT pin_hash IS NOT NULL AS pin_set, pin_rotated_at FROM customer WHERE id = ?", [customer.id], source: "customer"
            )
            .first
            return PINState(customer: customer.key, set: try row?("pin_set") ?? false, rotatedAt: try row?.optional("pin_rotated_at"))
        }
    }

    /// What the PIN a caller gave for customer `key` is worth (SPEC.md 8), checked before the case's transaction
    /// because `verify` (the slow hash's check) takes a while: none given, valid, wrong (or the customer has none), or
    /// not checked because the customer had the policy's number of wrong PINs within its minutes.
    public func checkPIN(customer key: String, pin: String?, verify: (_ pin: String, _ hash: String) -> Bool) throws(DepotError)
        -> PINCheck
    {
        switch try pinToCheck(customer: key, pin: pin) {
        case .decided(let check): check
        case .verify(let pin, let hash): verify(pin, hash) ? .valid : .wrong
        }
    }

    /// The first half of `checkPIN`, without the slow hash: decided already (no PIN, the customer has none, or its
    /// wrong PINs reached the limit), or a PIN to verify against the hash. A server verifies on the threads of its
    /// password checks, never on those every database read runs on.
    public func pinToCheck(customer key: String, pin: String?) throws(DepotError) -> PINToCheck {
        guard let pin = pin?.trimmingSpaces(), !pin.isEmpty else { return .decided(.none) }
        let at = now()
        let (hash, failures) = try read { db in
            let customer = try FindRecord.customer(db, key: key)
            let hash = try db.value(String.self, "SELECT pin_hash FROM customer WHERE id = ?", [customer.id])
            return (hash, try Self.recentPINFailures(db, customerID: customer.id, now: at, policy: policy.afterHours))
        }
        guard AfterHoursRule.mayCheck(failures: failures, policy: policy.afterHours, now: at) else { return .decided(.limited) }
        guard let hash else { return .decided(.wrong) }
        return .verify(pin: pin, hash: hash)
    }

    /// The customer's wrong PINs within the policy's minutes before `now` (the server's time, never a user's `--at`).
    static func recentPINFailures(_ db: any SQLConnection, customerID: Int64, now: Instant, policy: AfterHoursPolicy) throws -> [Instant] {
        let since = policy.guessLimit.since(now)
        return try db.values(Instant.self, "SELECT at FROM pin_failure WHERE customer_id = ? AND at > ?", [customerID, since.description])
    }

    /// How a case's opening goes outside the region's hours (SPEC.md 8), and when its clocks start: the PIN as checked,
    /// checked again against the wrong PINs recorded meanwhile (two guesses at once count both).
    func afterHoursOpening(
        _ db: any SQLConnection, pin: PINCheck, type: CaseType, customerID: Int64, tier: Tier?, at: Instant, recordedAt: Instant,
        clock: BusinessClock
    ) throws -> (opening: AfterHoursOpening?, clocksFrom: Instant?) {
        // A type that promises no timeframe (enhancement, custom development) has no clock to run round the clock.
        guard CaseRules.promisesTimeframe(type) else { return (nil, nil) }
        var pin = pin
        if pin == .valid || pin == .wrong,
            !AfterHoursRule.mayCheck(
                failures: try Self.recentPINFailures(db, customerID: customerID, now: recordedAt, policy: policy.afterHours),
                policy: policy.afterHours, now: recordedAt)
        {
            pin = .limited
        }
        let opening = AfterHoursRule.opening(
            regionOpen: clock.isOpen(at: at), tier: tier, afterHoursTiers: policy.afterHours.tiers, pin: pin)
        let from = try AfterHoursRule.clocksFrom(opening, opened: at, clock: clock)
        return (opening, from == at ? nil : from)
    }
}
