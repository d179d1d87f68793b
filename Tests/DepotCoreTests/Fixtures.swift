import Testing

@testable import DepotCore

/// Test helpers: literal dates and instants that fail the test, not crash, when mistyped.
func day(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> LocalDate {
    guard let d = LocalDate(iso: text) else {
        Issue.record("bad date literal \(text)", sourceLocation: sourceLocation)
        return LocalDate(dayNumber: 0)
    }
    return d
}

func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Instant {
    guard let i = Instant(iso: text) else {
        Issue.record("bad instant literal \(text)", sourceLocation: sourceLocation)
        return Instant(secondsSinceEpoch: 0)
    }
    return i
}

/// The default policy and its clocks, built once for all tests.
enum Defaults {
    static let policy = Policy.builtInDefault()
    static let americas = try! policy.clock(for: "americas")  // swift-format-ignore: NeverUseForceTry (test fixture)
    static let emea = try! policy.clock(for: "emea")  // swift-format-ignore: NeverUseForceTry
    static let apac = try! policy.clock(for: "apac")  // swift-format-ignore: NeverUseForceTry
}
