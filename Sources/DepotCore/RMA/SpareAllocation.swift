/// A spare Depot could allocate: in stock at a depot.
public struct SpareCandidate: Sendable, Equatable {
    public let serial: String
    /// The spare's model key.
    public let model: String
    public let depot: String
    /// The region of the spare's depot.
    public let depotRegion: String
    /// When it was last moved (into stock, back from an RMA); `nil` when it has been in stock since the import.
    public let movedAt: Instant?

    public init(serial: String, model: String, depot: String, depotRegion: String, movedAt: Instant?) {
        self.serial = serial
        self.model = model
        self.depot = depot
        self.depotRegion = depotRegion
        self.movedAt = movedAt
    }
}

/// Which spare replaces a defective unit (SPEC.md 4): one of the same model, else of its successor model,
/// preferring a depot in the region of the unit's site; among equals the first depot, then the first serial (by
/// their bytes, as the database sorts them). The candidates exclude the unit's own lineage (a unit never replaces
/// itself or its own line); the store finds those.
public enum SpareAllocation {
    /// The spare to allocate at `at` among `candidates` for a unit of `model` whose successor model is `successor`,
    /// at a site in `region`; `nil` when none is in stock then.
    public static func preferred(
        among candidates: [SpareCandidate], model: String, successor: String?, region: String, at: Instant
    ) -> SpareCandidate? {
        candidates.filter { isEligible($0, model: model, successor: successor, at: at) }
            .min { precedes($0, $1, model: model, region: region) }
    }

    /// Whether `spare` may replace a unit of `model` at `at`: the model or its successor, in stock by then.
    public static func isEligible(_ spare: SpareCandidate, model: String, successor: String?, at: Instant) -> Bool {
        (spare.model == model || spare.model == successor) && (spare.movedAt.map { $0 <= at } ?? true)
    }

    /// Whether `a` is preferred to `b`.
    static func precedes(_ a: SpareCandidate, _ b: SpareCandidate, model: String, region: String) -> Bool {
        let rank = { (c: SpareCandidate) in (c.model == model ? 0 : 1, c.depotRegion == region ? 0 : 1) }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb }
        if a.depot != b.depot { return a.depot.utf8.lexicographicallyPrecedes(b.depot.utf8) }
        return a.serial.utf8.lexicographicallyPrecedes(b.serial.utf8)
    }

    /// Why `serial`, named by logistics, cannot replace a unit of `model`: not in stock, another model, or of the
    /// unit's own lineage; `nil` when it can.
    public static func refusal(
        serial: String, status: ApplianceStatus, spareModel: String, model: String, successor: String?, inLineageOf unit: String?
    ) -> DepotError? {
        guard status == .inStock else { return .refused(subject: serial, reason: "is \(status.rawValue), not an in-stock spare") }
        guard spareModel == model || spareModel == successor else {
            return .refused(subject: serial, reason: "is neither the defective unit's model nor its successor")
        }
        if let unit {
            return .refused(subject: serial, reason: "is in the lineage of \(unit) (a unit never replaces itself or its own line)")
        }
        return nil
    }
}
