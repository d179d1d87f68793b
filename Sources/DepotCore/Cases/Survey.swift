/// The policy's `survey` section (SPEC.md 9, the support handbook): after a case closes its confirming contact is
/// invited, at regular intervals, to a satisfaction survey answered once through a link that expires.
public struct SurveyPolicy: Sendable, Equatable {
    /// One closed case in `every` of a customer in a calendar month (in the customer's region) is sampled: the
    /// first of the month, then the (every + 1)th, and so on. 1: every closed case; 0: nobody is invited.
    public var every: Int
    /// A contact is not invited again within this many days of another invitation of theirs.
    public var contactGapDays: Int
    /// The link expires this many days after the invitation was made.
    public var expiryDays: Int
    /// The address the link starts with in the invitation (`https://depot.example.com`), `nil` to send only its
    /// path (`/survey/TOKEN`) for the contacts' gateway to complete.
    public var linkBase: String?

    /// A score at or below this is low: leadership is told to follow up (the handbook: 1 and 2).
    public static let lowScore = 2
    /// The longest comment kept, in characters.
    public static let maxCommentLength = 2000

    public static let defaults = SurveyPolicy(every: 1, contactGapDays: 30, expiryDays: 14, linkBase: nil)

    public init(every: Int, contactGapDays: Int, expiryDays: Int, linkBase: String?) {
        self.every = every
        self.contactGapDays = contactGapDays
        self.expiryDays = expiryDays
        self.linkBase = linkBase
    }
}

/// SPEC.md 9's sampling: whether the confirming contact of a case closing now is invited.
public enum SurveySampling {
    /// Links that lead nowhere tried from one client address after which it must wait (issue 19): guessing a link
    /// is as limited as guessing a password.
    public static let linkGuesses = GuessLimit(limit: 20, window: 900)

    public enum Decision: Sendable, Equatable {
        /// Invite the contact; the link expires at `expiresAt`.
        case invite(expiresAt: Instant)
        /// Do not; why, in words (for the close's audit record).
        case skip(String)
    }

    /// The decision for a case closed at `closedAt` and recorded at `recordedAt`: `ordinal` is its place among the
    /// customer's cases closed in the same calendar month (1 for the first), `contactInvitations` when its contact
    /// was invited before (any order: events can be dated out of order, so an invitation after `closedAt` counts as
    /// near as one before). The link expires `expiryDays` after the later of the two times, so a back-dated closure
    /// still gets a link that works.
    public static func decide(
        _ policy: SurveyPolicy, ordinal: Int, contactInvitations: [Instant], closedAt: Instant, recordedAt: Instant
    ) -> Decision {
        guard policy.every > 0 else { return .skip("the policy invites nobody (survey.every is 0)") }
        guard (ordinal - 1) % policy.every == 0 else {
            return .skip("not sampled: closed case \(ordinal) of the customer this month, one in \(policy.every) is invited")
        }
        let gap = Int64(policy.contactGapDays) * 86_400
        if let near = contactInvitations.min(by: { distance($0, closedAt) < distance($1, closedAt) }), distance(near, closedAt) < gap {
            return .skip("the contact was invited at \(near), within \(policy.contactGapDays) days")
        }
        let from = max(closedAt, recordedAt)
        return .invite(expiresAt: from.adding(seconds: Int64(policy.expiryDays) * 86_400))
    }

    private static func distance(_ a: Instant, _ b: Instant) -> Int64 { abs(a.secondsSinceEpoch - b.secondsSinceEpoch) }
}

/// A survey's answer, as the public page takes it.
public struct SurveyAnswer: Sendable, Equatable {
    public let score: Int
    public let comment: String?

    /// Whether leadership is told (SPEC.md 9: scores 1 and 2).
    public var isLow: Bool { score <= SurveyPolicy.lowScore }

    /// Reads the form's fields: a score 1-5 (required) and a comment (optional, trimmed, at most
    /// `SurveyPolicy.maxCommentLength` Unicode scalars, so that combining marks cannot stretch it; an empty one is
    /// none).
    public init(score text: String?, comment: String?) throws(DepotError) {
        guard let text = text?.trimmingSpaces(), !text.isEmpty else {
            throw .invalidArgument(name: "score", value: "", reason: "choose a score from 1 (poor) to 5 (excellent)")
        }
        guard let score = Int(text), (1...5).contains(score) else {
            throw .invalidArgument(name: "score", value: text, reason: "a score is a whole number from 1 to 5")
        }
        // A browser sends a textarea's line breaks as CR LF, and counts each as one character: so do we.
        let trimmed = comment?.replacingOccurrences(of: "\r\n", with: "\n").trimmingSpaces() ?? ""
        let length = trimmed.unicodeScalars.count
        guard length <= SurveyPolicy.maxCommentLength else {
            throw .invalidArgument(
                name: "comment", value: String(trimmed.prefix(40)) + "…",
                reason: "is \(length) characters long; at most \(SurveyPolicy.maxCommentLength) are kept")
        }
        self.score = score
        self.comment = trimmed.isEmpty ? nil : trimmed
    }
}

/// What the satisfaction results say for one group of invitations (a month, a region, a whole report).
public struct SurveyTally: Sendable, Equatable {
    public private(set) var invited = 0
    public private(set) var answered = 0
    public private(set) var scoreSum = 0
    public private(set) var low = 0

    public init() {}

    /// Counts one invitation and its score, `nil` while unanswered.
    public mutating func add(score: Int?) {
        invited += 1
        guard let score else { return }
        answered += 1
        scoreSum += score
        if score <= SurveyPolicy.lowScore { low += 1 }
    }

    /// Answered invitations in percent of all, with one decimal (`66.7`); `nil` with no invitations.
    public var responseRate: String? { invited == 0 ? nil : Self.decimal(answered * 1000, over: invited) }
    /// The average score with two decimals (`4.25`); `nil` with no answers.
    public var averageScore: String? {
        guard answered > 0 else { return nil }
        let hundredths = (scoreSum * 100 * 2 + answered) / (answered * 2)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// `numerator / denominator` rounded half up to one decimal, exact in integers (`numerator` is in tenths).
    private static func decimal(_ numerator: Int, over denominator: Int) -> String {
        let tenths = (numerator * 2 + denominator) / (denominator * 2)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
