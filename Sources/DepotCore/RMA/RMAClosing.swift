/// How a sales referral ended.
public enum ReferralOutcome: String, CaseIterable, Sendable, Codable {
    case purchased, declined
}

/// SPEC.md 4: how an RMA closes. A sales referral closes with its outcome (purchased or declined); no other
/// path has one.
public enum RMAClosing {
    /// Refuses an outcome that does not fit the path.
    public static func check(path: RMAPath, outcome: ReferralOutcome?) throws(DepotError) {
        if path == .salesReferral && outcome == nil {
            throw .invalidArgument(name: "--outcome", value: "", reason: "a sales referral closes as purchased or declined")
        }
        if path != .salesReferral, let outcome {
            throw .invalidArgument(name: "--outcome", value: outcome.rawValue, reason: "only a sales referral has an outcome")
        }
    }
}
