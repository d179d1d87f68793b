import DepotCore
import DepotStore
import Foundation

/// Closing cases and reading their survey links, for the survey's tests in every module.
extension TestDepot {
    /// Opens a question for `customer` at `at`, resolves it a minute later and closes it a minute after, confirmed
    /// by `contact`; `owner` takes it first. The case's number.
    @discardableResult
    public func closeCase(_ customer: String, _ contact: String, at: Instant, owner: String? = nil) throws -> CaseNumber {
        let request = NewCase(customer: customer, contact: contact, type: .question, impact: .low, urgency: .low, title: "How do I?")
        let number = try database.openCase(request, at: at, actor: Self.engineer)
        if let owner { _ = try database.assignCase(number, to: owner, at: at, actor: Self.admin) }
        try database.advanceCase(number, .resolve, at: at.adding(seconds: 60), actor: Self.engineer)
        try database.advanceCase(number, .close, confirmedBy: contact, at: at.adding(seconds: 120), actor: Self.engineer)
        return number
    }

    /// The token of the survey link of case `number`'s invitation, as the contacts' gateway receives it (the
    /// payload the database keeps holds none: that is checked here too).
    public func surveyToken(_ number: CaseNumber) throws -> String {
        guard
            let invitation = try database.notifications(limit: 1000).first(where: {
                $0.event == "survey-invitation" && $0.subject == number.text
            })
        else { throw SurveyFixtureError.missing("no survey invitation for \(number.text)") }
        guard let delivered = try database.deliveredPayload(invitation) else { throw SurveyFixtureError.missing("no payload") }
        guard let fields = try JSONSerialization.jsonObject(with: Data(delivered.utf8)) as? [String: Any],
            let path = fields["surveyPath"] as? String, path.hasPrefix("/survey/"), path.count == 8 + SurveyLinks.tokenLength
        else { throw SurveyFixtureError.missing("no survey path in \(delivered)") }
        let token = String(path.dropFirst(8))
        if invitation.payload.contains(token) { throw SurveyFixtureError.missing("the stored payload holds the token") }
        return token
    }
}

public enum SurveyFixtureError: Error {
    case missing(String)
}

extension Fleet {
    /// The designated contact of a fixture customer.
    public static func contact(of customer: String) -> String {
        ["ACME": "ops@acme.example", "GLOBEX": "it@globex.example", "INITECH": "it@initech.example"][customer] ?? ""
    }
}
