/// SPEC.md 8: how a case of a tier with round-the-clock support, opened while its region was closed, went.
public enum AfterHoursOpening: String, CaseIterable, Sendable, Codable {
    /// The caller gave the customer's PIN: the on-call engineer is told, and the case's thresholds run in
    /// wall-clock time from the opening.
    case pin
    /// No PIN was given: the case counts as opened at the region's next opening.
    case noPin = "no-pin"
    /// The PIN given was wrong: as without one.
    case wrongPin = "wrong-pin"
    /// Too many wrong PINs for the customer lately: the PIN was not checked; as without one.
    case pinLimited = "pin-limited"

    /// Whether the case's clocks run in wall-clock time from the opening (a valid PIN).
    public var wallClock: Bool { self == .pin }

    /// Which clock applied, in words, for the answer to the opening, `depot sla` and the case page.
    public var explanation: String {
        switch self {
        case .pin:
            "opened outside the region's hours with the customer's PIN: round-the-clock support, its deadlines in wall-clock time from the opening"
        case .noPin:
            "opened outside the region's hours without the customer's PIN: its clocks start at the region's next opening"
        case .wrongPin:
            "opened outside the region's hours with a wrong PIN: its clocks start at the region's next opening"
        case .pinLimited:
            "opened outside the region's hours after too many wrong PINs (not checked): its clocks start at the region's next opening"
        }
    }
}

/// What became of the PIN a caller gave (checked before the case is written, since the hash is slow).
public enum PINCheck: Sendable, Equatable {
    /// None was given.
    case none
    /// It matches the customer's PIN.
    case valid
    /// It does not (or the customer has none).
    case wrong
    /// Too many wrong PINs for this customer lately: not checked.
    case limited
}

/// The policy's `after-hours` section (SPEC.md 8): which tiers have round-the-clock support with the customer's PIN,
/// and how many wrong PINs a customer may give within how many minutes before PINs are not checked for a while.
public struct AfterHoursPolicy: Sendable, Equatable {
    public var tiers: Set<Tier>
    public var wrongPINs: Int
    public var wrongPINMinutes: Int

    public static let defaults = AfterHoursPolicy(tiers: [.premium, .premiumPlus], wrongPINs: 5, wrongPINMinutes: 15)

    public init(tiers: Set<Tier>, wrongPINs: Int, wrongPINMinutes: Int) {
        self.tiers = tiers
        self.wrongPINs = wrongPINs
        self.wrongPINMinutes = wrongPINMinutes
    }

    /// The limit on wrong PINs per customer: the same rule as sign-ins' (`GuessLimit`), with the policy's numbers.
    public var guessLimit: GuessLimit { GuessLimit(limit: wrongPINs, window: 60 * Int64(wrongPINMinutes)) }
}

/// SPEC.md 8's rule for a case opened while its region is closed.
public enum AfterHoursRule {
    /// How the opening goes: `nil` when the region is open or the tier has no round-the-clock support (SPEC.md 3
    /// applies unchanged); else by the PIN check.
    public static func opening(regionOpen: Bool, tier: Tier?, afterHoursTiers: Set<Tier>, pin: PINCheck) -> AfterHoursOpening? {
        guard !regionOpen, let tier, afterHoursTiers.contains(tier) else { return nil }
        switch pin {
        case .valid: return .pin
        case .none: return .noPin
        case .wrong: return .wrongPin
        case .limited: return .pinLimited
        }
    }

    /// When the clocks of a case opened at `opened` start: at the region's next opening for an after-hours opening
    /// without a valid PIN, else at the opening.
    public static func clocksFrom(_ opening: AfterHoursOpening?, opened: Instant, clock: BusinessClock) throws(DepotError) -> Instant {
        guard let opening, !opening.wallClock else { return opened }
        return try clock.nextOpening(atOrAfter: opened)
    }

    /// Whether a PIN check is allowed at `now`, with the customer's wrong PINs `failures` (the policy's limit).
    public static func mayCheck(failures: [Instant], policy: AfterHoursPolicy, now: Instant) -> Bool {
        policy.guessLimit.wait(failures, now: now) == nil
    }
}

extension ClockDuration {
    /// The same amount in wall-clock time (SPEC.md 8, round the clock): business hours as hours, business days as days.
    public var inWallClock: ClockDuration {
        switch unit {
        case .businessHours: ClockDuration(milli: milli, .hours)
        case .businessDays: ClockDuration(milli: milli, .days)
        case .hours, .days: self
        }
    }
}
