import DepotCore
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The public satisfaction survey (SPEC.md 9): `GET /survey/{token}` shows the form of the case the link is for,
/// `POST /survey/{token}` records the answer once. Nobody signs in: the link's token is the only credential, so a
/// form posted from another site cannot act for anyone (it would need the token), and cross-site posts are refused
/// all the same. A client that tries too many links that lead nowhere is answered 429 for a while (counted in the
/// database beside failed sign-ins, so every server of a database counts the same: `SurveySampling.linkGuesses`).
struct SurveyController {
    let pages: PageEnvironment

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("survey/:token", use: show)
        router.post("survey/:token", use: answer)
    }

    @Sendable func show(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let (token, client, now) = (try context.parameters.require("token"), Self.client(of: context), pages.now())
        let attempt: GuessAttempt
        switch try await begin(client, now: now) {
        case .refused(let response): return response
        case .go(let started): attempt = started
        }
        let database = pages.database
        let state = try await ThreadPool.run { try database.surveyLink(token, now: now) }
        try await settle(attempt, state)
        let page = SurveyPage(state: state, token: token)
        return pages.render(page, context: .anonymous(context), status: page.status)
    }

    @Sendable func answer(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let (token, client, now) = (try context.parameters.require("token"), Self.client(of: context), pages.now())
        if request.headers[Self.secFetchSite]?.lowercased() == "cross-site" {
            throw APIError(status: .forbidden, code: "csrf", message: "a survey is answered from its own page")
        }
        let attempt: GuessAttempt
        switch try await begin(client, now: now) {
        case .refused(let response): return response
        case .go(let started): attempt = started
        }
        let form = try await Form.read(request, csrf: nil)
        let database = pages.database
        let answer: SurveyAnswer
        do {
            answer = try SurveyAnswer(score: form.get("score"), comment: form.get("comment"))
        } catch {
            // The form again, with what was sent and what is wrong (or the link's own state when it cannot be answered).
            let state = try await ThreadPool.run { try database.surveyLink(token, now: now) }
            try await settle(attempt, state)
            var page = SurveyPage(state: state, token: token)
            (page.problem, page.score, page.comment) = (error.message, Int(form.get("score") ?? ""), form.get("comment") ?? "")
            return pages.render(page, context: .anonymous(context), status: state == .unknown ? .notFound : .badRequest)
        }
        let (state, recorded) = try await ThreadPool.run { try database.answerSurvey(token, answer, now: now) }
        try await settle(attempt, state)
        if recorded { return PageRenderer.redirect(SurveyLinks.path(token)) }
        let page = SurveyPage(state: state, token: token)
        // Answered already: a link is used once.
        let status: HTTPResponse.Status = if case .answered = state { .conflict } else { page.status }
        return pages.render(page, context: .anonymous(context), status: status)
    }

    private enum Start {
        case refused(Response)
        case go(GuessAttempt)
    }

    /// 429 with `Retry-After` when the client missed too often lately; else a try that counts as a miss until its link
    /// proves to lead somewhere (so that lookups sent at once cannot all pass the check).
    private func begin(_ client: String, now: Instant) async throws -> Start {
        let database = pages.database
        switch try await ThreadPool.run({ try database.beginSurveyLink(address: client, now: now) }) {
        case .attempt(let attempt): return .go(attempt)
        case .wait(let seconds):
            var response = PageRenderer.html(
                "<!doctype html><title>Too many tries · Depot</title><p>Too many survey links that lead nowhere were tried from here. Try again in \(seconds / 60 + 1) minutes.</p>",
                status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return .refused(response)
        }
    }

    /// Ends the try: a miss when the link leads nowhere, else forgotten.
    private func settle(_ attempt: GuessAttempt, _ state: SurveyLinkState) async throws {
        let database = pages.database
        if state == .unknown {
            try await ThreadPool.run { try database.surveyLinkMissed(attempt) }
        } else {
            try await ThreadPool.run { try database.surveyLinkFound(attempt) }
        }
    }

    /// The client's address, what the limiter counts by.
    static func client(of context: DepotRequestContext) -> String { context.clientAddress }

    static let secFetchSite: HTTPField.Name = {
        guard let name = HTTPField.Name("Sec-Fetch-Site") else { preconditionFailure("Sec-Fetch-Site is a valid field name") }
        return name
    }()
}
