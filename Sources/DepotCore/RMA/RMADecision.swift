/// How a defective unit is dealt with.
public enum RMAPath: String, CaseIterable, Sendable, Codable {
    /// A replacement ships first; the customer returns the defective unit afterwards.
    case advanceReplacement = "advance-replacement"
    /// The customer returns the defective unit; the replacement ships once it is received.
    case returnThenReplace = "return-then-replace"
    /// No replacement: the account manager offers a purchase.
    case salesReferral = "sales-referral"
}

/// The RMA deadlines of the policy.
public struct RMADeadlines: Sendable, Equatable {
    /// An advance replacement ships within this of the verdict.
    public var advanceShipWithin: ClockDuration
    /// The defective unit of an advance replacement is due back this long after the replacement is delivered.
    public var returnDueAfterDelivery: ClockDuration
    /// A return-then-replace replacement ships within this of receiving the defective unit.
    public var replacementShipAfterReceipt: ClockDuration

    /// Creates the deadlines.
    public init(advanceShipWithin: ClockDuration, returnDueAfterDelivery: ClockDuration, replacementShipAfterReceipt: ClockDuration) {
        self.advanceShipWithin = advanceShipWithin
        self.returnDueAfterDelivery = returnDueAfterDelivery
        self.replacementShipAfterReceipt = replacementShipAfterReceipt
    }
}

/// What the RMA engine decided and why.
public struct RMADecision: Sendable, Equatable {
    /// The path.
    public let path: RMAPath
    /// When the replacement must ship, when that is known at the verdict (advance replacement only).
    public let shipBy: Instant?
    /// The tier the decision used (`nil`: no active contract, treated as standard).
    public let tier: Tier?
    /// The first day out of warranty.
    public let warrantyEnd: LocalDate
    /// The day of the verdict in the region's home time zone, on which warranty was judged.
    public let verdictDay: LocalDate
    /// Whether the unit was in warranty that day.
    public let inWarranty: Bool
    /// The reason in words.
    public let reason: String
}

/// The RMA engine of SPEC.md 4: the path from the contract tier and the warranty on the verdict's day.
public enum RMAEngine {
    /// Decides the path of a unit found defective at `verdictAt`, in the region of its site.
    public static func decide(
        tier: Tier?, shipDate: LocalDate, warrantyMonths: Int, verdictAt: Instant,
        region: SupportRegion, clock: BusinessClock, deadlines: RMADeadlines
    ) throws(DepotError) -> RMADecision {
        try decide(
            tier: tier, shipDate: shipDate, warrantyEnd: Warranty.end(shipDate: shipDate, months: warrantyMonths),
            verdictAt: verdictAt, region: region, clock: clock, deadlines: deadlines)
    }

    /// Decides the path of a unit whose warranty runs from `shipDate` to `warrantyEnd` (its first day out of
    /// warranty; a replacement unit's end comes from the replacement rule, not from its model).
    public static func decide(
        tier: Tier?, shipDate: LocalDate, warrantyEnd end: LocalDate, verdictAt: Instant,
        region: SupportRegion, clock: BusinessClock, deadlines: RMADeadlines
    ) throws(DepotError) -> RMADecision {
        let day = region.localDate(of: verdictAt)
        let covered = day >= shipDate && day < end
        let tierText = tier.map { "\($0.rawValue) contract" } ?? "no active contract (treated as standard)"
        let warrantyText =
            covered
            ? "in warranty on \(day) (warranty ends \(end))"
            : "out of warranty on \(day) (warranty ended \(end))"
        let dayText = "the verdict day in \(region.homeTimeZone.identifier) for region \(region.id)"

        switch tier {
        case .premium?, .premiumPlus?:
            let shipBy = try clock.adding(deadlines.advanceShipWithin, to: verdictAt)
            return RMADecision(
                path: .advanceReplacement, shipBy: shipBy, tier: tier, warrantyEnd: end, verdictDay: day, inWarranty: covered,
                reason: "\(tierText): advance replacement whether or not in warranty; unit \(warrantyText), \(dayText); "
                    + "replacement ships within \(deadlines.advanceShipWithin) of the verdict at \(region.wallClock(verdictAt)): "
                    + "by \(region.wallClock(shipBy))")
        case .standard?, nil:
            if covered {
                return RMADecision(
                    path: .returnThenReplace, shipBy: nil, tier: tier, warrantyEnd: end, verdictDay: day, inWarranty: true,
                    reason: "\(tierText): unit \(warrantyText), \(dayText); the customer returns the unit first and the "
                        + "replacement ships within \(deadlines.replacementShipAfterReceipt) of its receipt")
            }
            return RMADecision(
                path: .salesReferral, shipBy: nil, tier: tier, warrantyEnd: end, verdictDay: day, inWarranty: false,
                reason: "\(tierText): unit \(warrantyText), \(dayText); no replacement, the account manager offers a purchase")
        }
    }
}
