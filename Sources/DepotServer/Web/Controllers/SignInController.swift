import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Signing in and out, and where a signed-in user starts (`/`).
struct SignInController {
    let pages: PageEnvironment
    let secureCookies: Bool
    let sessions: RecentCache<WebSession>
    /// The form's tokens, issued and checked by the server.
    let forms: SignInFormTokens
    /// Checks a password against its bcrypt hash: slow on purpose, so it runs only when the throttle allows a try.
    let verifyPassword: @Sendable (String, String) -> Bool

    func addRoutes(to router: some RouterMethods<DepotRequestContext>) {
        router.get("/", use: home)
        router.get("sign-in", use: signInForm)
        router.post("sign-in", use: signIn)
        router.post("sign-out", use: signOut)
    }

    @Sendable func home(_ request: Request, context: DepotRequestContext) async throws -> Response {
        guard let actor = context.actor else { return PageRenderer.redirect("/sign-in") }
        return PageRenderer.redirect(WebPaths.home(of: actor.role))
    }

    @Sendable func signInForm(_ request: Request, context: DepotRequestContext) async throws -> Response {
        signInPage(
            context: context, next: WebPaths.safeNext(try request.queryForm().get("next")), name: "", problem: nil, status: .ok)
    }

    /// The form with a new token of its own, issued by the server and set as a cookie too (double submit).
    private func signInPage(context: DepotRequestContext, next: String?, name: String, problem: String?, status: HTTPResponse.Status)
        -> Response
    {
        let token = forms.issue(now: pages.now())
        var response = pages.render(
            SignInPage(token: token, next: next ?? "", name: name, problem: problem ?? ""), context: DepotRequestContext.anonymous(context),
            status: status)
        response.setCookie(WebSessions.cookie(token, maxAge: 3600, secure: secureCookies, name: WebSessions.signInCookieName))
        return response
    }

    @Sendable func signIn(_ request: Request, context: DepotRequestContext) async throws -> Response {
        let form = try await Form.read(request, csrf: nil)
        guard let expected = request.cookies[WebSessions.signInCookieName]?.value, let sent = form.fields["token"],
            WebSessions.equal(expected, sent), forms.valid(sent, now: pages.now())
        else {
            throw APIError(status: .forbidden, code: "csrf", message: "the sign-in form is out of date: reload the page and sign in again")
        }
        let name = form.optional("name") ?? ""
        let password = form.fields["password"] ?? ""
        let next = WebPaths.safeNext(form.optional("next"))
        let database = pages.database
        let (address, now, verify) = (context.clientAddress, pages.now(), verifyPassword)
        // Too many failures of this name or from this address lately: refused before any hash is computed. Otherwise
        // the try counts as a failure from now until it proves right, so that tries sent at once cannot all pass.
        let attempt: GuessAttempt
        switch try await ThreadPool.run({ try database.beginSignIn(account: name, address: address, now: now) }) {
        case .wait(let wait): return tooMany(context: context, next: next, name: name, wait: wait)
        case .attempt(let started): attempt = started
        }
        let found = try await ThreadPool.run { try database.user(named: name) }
        // A name that does not exist costs the same slow check (against a decoy), so timing does not tell which exist.
        let hash = found?.passwordHash ?? Credentials.decoyHash
        guard let matches = try await pages.passwordChecks.run({ verify(password, hash) }) else {
            try await ThreadPool.run { try database.abandonGuess(attempt) }
            var response = signInPage(
                context: context, next: next, name: name, problem: "The server is busy checking passwords: try again in a moment.",
                status: .serviceUnavailable)
            response.headers[.retryAfter] = "1"
            return response
        }
        let user = matches ? found : nil
        guard let user else {
            if let wait = try await ThreadPool.run({ try database.signInFailed(attempt) }) {
                return tooMany(context: context, next: next, name: name, wait: wait)
            }
            return signInPage(
                context: context, next: next, name: name, problem: "Unknown user name or wrong password.", status: .unauthorized)
        }
        // The browser's previous session, if it had one, ends: a sign-in always starts a new session id.
        let previous = (request.cookies[WebSessions.cookieName]?.value).flatMap { $0.isEmpty ? nil : Credentials.hashToken($0) }
        if let previous { sessions.forget(previous) }
        try await ThreadPool.run {
            try database.signInSucceeded(attempt, user: user)
            if let previous { try database.deleteSession(idHash: previous) }
        }
        let value = Credentials.newToken()
        let at = pages.now()
        let expires = Instant(secondsSinceEpoch: at.secondsSinceEpoch + WebSessions.lifetime)
        try await ThreadPool.run {
            try database.createSession(idHash: Credentials.hashToken(value), user: user, at: at, expiresAt: expires)
        }
        var response = PageRenderer.redirect(next ?? WebPaths.home(of: user.role))
        response.setCookie(WebSessions.cookie(value, maxAge: Int(WebSessions.lifetime), secure: secureCookies))
        response.setCookie(WebSessions.cookie("", maxAge: 0, secure: secureCookies, name: WebSessions.signInCookieName))
        return response
    }

    /// 429 with `Retry-After`: the form again, saying how long to wait.
    private func tooMany(context: DepotRequestContext, next: String?, name: String, wait: Int64) -> Response {
        let minutes = (wait + 59) / 60
        var response = signInPage(
            context: context, next: next, name: name,
            problem:
                "Too many failed sign-ins for this name or from this address: try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
            status: .tooManyRequests)
        response.headers[.retryAfter] = String(wait)
        return response
    }

    @Sendable func signOut(_ request: Request, context: DepotRequestContext) async throws -> Response {
        _ = try context.requireActor()
        _ = try await Form.read(request, csrf: context.csrfToken)
        if let hash = context.sessionHash {
            sessions.forget(hash)
            let database = pages.database
            try await ThreadPool.run { try database.deleteSession(idHash: hash) }
        }
        var response = PageRenderer.redirect("/sign-in")
        response.setCookie(WebSessions.cookie("", maxAge: 0, secure: secureCookies))
        return response
    }
}
