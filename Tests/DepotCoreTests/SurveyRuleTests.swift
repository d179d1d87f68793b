import Testing

@testable import DepotCore

private func instant(_ text: String) -> Instant { Instant(iso: text)! }

/// SPEC.md 9's rules: who is invited, what an answer may be, how results add up, and the policy section.
@Suite("Survey rules")
struct SurveyRuleTests {
    static let closed = instant("2026-11-30T15:00:00Z")

    @Test("sampling: the first closure of the month, then every Nth; 0 invites nobody; a contact not twice within the gap")
    func sampling() {
        let policy = SurveyPolicy(every: 3, contactGapDays: 30, expiryDays: 14, linkBase: nil)
        let decisions = (1...7).map {
            SurveySampling.decide(policy, ordinal: $0, contactInvitations: [], closedAt: Self.closed, recordedAt: Self.closed)
        }
        let expires = Self.closed.adding(seconds: 14 * 86_400)
        #expect(decisions.map { $0 == .invite(expiresAt: expires) } == [true, false, false, true, false, false, true])
        var none = policy
        none.every = 0
        #expect(
            SurveySampling.decide(none, ordinal: 1, contactInvitations: [], closedAt: Self.closed, recordedAt: Self.closed)
                != .invite(expiresAt: expires))
        // 29 days 23:59:59 either side is too near; exactly 30 days is not (an invitation dated later counts too).
        let near = [Self.closed.adding(seconds: 30 * 86_400 - 1)]
        let far = [Self.closed.adding(seconds: -30 * 86_400), Self.closed.adding(seconds: 30 * 86_400)]
        guard
            case .skip(let why) = SurveySampling.decide(
                policy, ordinal: 1, contactInvitations: far + near, closedAt: Self.closed, recordedAt: Self.closed)
        else {
            Issue.record("an invitation within the gap did not stop the next")
            return
        }
        #expect(why.contains("within 30 days"))
        #expect(
            SurveySampling.decide(policy, ordinal: 1, contactInvitations: far, closedAt: Self.closed, recordedAt: Self.closed)
                == .invite(expiresAt: expires))
        // A closure dated a week back: its link still lasts 14 days from when it is made.
        let now = Self.closed.adding(seconds: 7 * 86_400)
        #expect(
            SurveySampling.decide(policy, ordinal: 1, contactInvitations: [], closedAt: Self.closed, recordedAt: now)
                == .invite(expiresAt: now.adding(seconds: 14 * 86_400)))
    }

    @Test("an answer: a score 1-5 required, a comment optional, trimmed and at most 2,000 characters")
    func answers() throws {
        let answer = try SurveyAnswer(score: " 2 ", comment: "  slow  ")
        #expect(answer.score == 2 && answer.comment == "slow" && answer.isLow)
        #expect(try SurveyAnswer(score: "3", comment: "   ").comment == nil)
        #expect(try !SurveyAnswer(score: "3", comment: nil).isLow)
        for bad in [nil, "", "0", "6", "4.5", "five", "-1"] {
            #expect(throws: DepotError.self) { try SurveyAnswer(score: bad, comment: nil) }
        }
        #expect(try SurveyAnswer(score: "5", comment: String(repeating: "é", count: 2000)).comment?.count == 2000)
        #expect(throws: DepotError.self) { try SurveyAnswer(score: "5", comment: String(repeating: "a", count: 2001)) }
        // Line breaks as a browser sends them count once.
        let lines = String(repeating: "a", count: 995) + String(repeating: "\r\n", count: 10) + String(repeating: "a", count: 995)
        #expect(try SurveyAnswer(score: "3", comment: lines).comment?.unicodeScalars.count == 2000)
        // Combining marks make one character of many scalars: the limit counts scalars.
        #expect(throws: DepotError.self) { try SurveyAnswer(score: "5", comment: "x" + String(repeating: "\u{301}", count: 2000)) }
    }

    @Test("tallies: response rate in percent with one decimal, average with two, half up, exact")
    func tally() {
        var tally = SurveyTally()
        #expect(tally.responseRate == nil && tally.averageScore == nil)
        for score in [5, 4, nil, 1, 5, nil] { tally.add(score: score) }
        #expect(tally.invited == 6 && tally.answered == 4 && tally.low == 1)
        #expect(tally.responseRate == "66.7" && tally.averageScore == "3.75")
        var thirds = SurveyTally()
        for score in [5, 4, 4] { thirds.add(score: score) }
        #expect(thirds.averageScore == "4.33" && thirds.responseRate == "100.0")
        var half = SurveyTally()
        for score in [1, 2, 2, 2, 2, 2, 2, 2] { half.add(score: score) }  // 15/8 = 1.875 -> 1.88
        #expect(half.averageScore == "1.88" && half.low == 8)
    }

    @Test("the policy's survey section: sampling, gap, expiry, link base; refusals naming the path")
    func policy() throws {
        let tests = PolicyTests()
        let changed = try tests.load(
            "survey:\n  every: 4\n  contact-gap-days: 90\n  expiry-days: 7\n  link-base: https://depot.example.com/\n")
        #expect(changed.survey == SurveyPolicy(every: 4, contactGapDays: 90, expiryDays: 7, linkBase: "https://depot.example.com"))
        #expect(Defaults.policy.survey == .defaults && SurveyPolicy.defaults.every == 1)
        #expect(tests.problems("survey:\n  every: -1\n").first?.contains("survey.every") == true)
        #expect(tests.problems("survey:\n  expiry-days: 0\n").first?.contains("survey.expiry-days") == true)
        #expect(tests.problems("survey:\n  link-base: javascript:alert(1)\n").first?.contains("survey.link-base") == true)
        #expect(tests.problems("survey:\n  link-base: https://x.example/?a=1\n").isEmpty == false)
        #expect(tests.problems("survey:\n  sample: 3\n").isEmpty == false)
        let shown = PolicyWriter.yaml(changed)
        #expect(shown.contains("survey:\n  every: 4\n  contact-gap-days: 90\n  expiry-days: 7\n  link-base: https://depot.example.com\n"))
        #expect(try tests.load(shown).survey == changed.survey)
    }
}
