/// A support contract tier.
public enum Tier: String, CaseIterable, Sendable, Codable, Comparable {
    case standard
    case premium
    case premiumPlus = "premium-plus"

    public static func < (a: Tier, b: Tier) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// How much of the customer's operation a fault affects, or how soon it must be fixed.
public enum Level: String, CaseIterable, Sendable, Codable {
    case high, medium, low
}

/// A case priority, P1 (production down) to P4 (question or low impact).
public enum Priority: String, CaseIterable, Sendable, Codable, Comparable {
    case p1 = "P1", p2 = "P2", p3 = "P3", p4 = "P4"

    /// The suggested priority for an impact and an urgency (SPEC.md 3):
    /// high/high P1; high/medium and medium/high P2; high/low, medium/medium and low/high P3; else P4.
    public static func suggested(impact: Level, urgency: Level) -> Priority {
        switch (impact, urgency) {
        case (.high, .high): .p1
        case (.high, .medium), (.medium, .high): .p2
        case (.high, .low), (.medium, .medium), (.low, .high): .p3
        default: .p4
        }
    }

    /// What the priority means (SPEC.md 3).
    public var meaning: String {
        switch self {
        case .p1: "production system down, no workaround"
        case .p2: "major function unavailable, no workaround"
        case .p3: "minor fault or few users, workaround possible"
        case .p4: "question or low impact"
        }
    }

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}
