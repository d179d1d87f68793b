/// A diagnosis verdict (SPEC.md 4).
public enum Verdict: String, CaseIterable, Sendable, Codable {
    case defective
    case notDefective = "not-defective"
    case needsMoreInfo = "needs-more-info"
}
