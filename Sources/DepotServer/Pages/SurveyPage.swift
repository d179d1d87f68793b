import DepotCore
import DepotStore
import HTTPTypes
import Mustache

/// `/survey/{token}`: the public satisfaction survey of one closed case (SPEC.md 9), for its contact, without
/// signing in: a score 1-5 and a comment, sent once. Shows the case's number and title, nothing else of the customer.
struct SurveyPage: PageModel {
    static let template = "survey"
    let title = "How did we do?"
    let state: SurveyLinkState
    let token: String
    /// What was wrong with a form sent back (a missing score), and the fields as sent.
    var problem: String?
    var score: Int?
    var comment = ""

    /// The score's words on the form.
    static let scoreWords = [1: "very dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "very satisfied"]

    /// The page's status: 200 for an open or answered link, 404 unknown, 410 expired.
    var status: HTTPResponse.Status {
        switch state {
        case .open, .answered: .ok
        case .unknown: .notFound
        case .expired: .gone
        }
    }

    /// What the page says instead of the form.
    var message: String? {
        switch state {
        case .open: nil
        case .unknown: "This survey link is not valid. Please use the whole link from the invitation."
        case .answered(let view):
            "Thank you: the answer about case \(view.caseNumber) was recorded\(view.answeredAt.map { " at \($0.readable)" } ?? ""). A survey link can be used once."
        case .expired(let view): "This survey link expired at \(view.expiresAt.readable). Thank you all the same."
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "open":
            guard case .open(let view) = state else { return nil }
            return OpenSurvey(view: view, token: token, score: score, comment: comment, problem: problem)
        case "message": return message.map(text)
        default: return nil
        }
    }

    struct OpenSurvey: MustacheParent, Sendable {
        let view: SurveyInvitationView
        let token: String
        let score: Int?
        let comment: String
        let problem: String?

        func child(named name: String) -> Any? {
            switch name {
            case "caseNumber": text(view.caseNumber)
            case "caseTitle": text(view.title)
            case "action": text(SurveyLinks.path(token))
            case "expires": text(view.expiresAt.readable)
            case "comment": text(comment)
            case "maxComment": text(String(SurveyPolicy.maxCommentLength))
            case "problem": problem.map(text)
            case "scores": (1...5).map { Choice(value: $0, words: SurveyPage.scoreWords[$0] ?? "", checked: $0 == score) }
            default: nil
            }
        }
    }

    struct Choice: MustacheParent, Sendable {
        let value: Int
        let words: String
        let checked: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "value": text(String(value))
            case "words": text(words)
            case "checked": checked ? true : nil
            default: nil
            }
        }
    }
}

extension Instant {
    /// The instant for a reader who has no time zone of ours: its UTC time to the minute (`2026-12-20 14:00 UTC`).
    var readable: String {
        let iso = description
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + " UTC"
    }
}
