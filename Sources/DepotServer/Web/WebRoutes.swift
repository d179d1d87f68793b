import DepotCore
import DepotStore
import Hummingbird

/// The web UI: server-rendered pages for each role, forms that post back (each with its CSRF token), no JavaScript
/// needed. Every change goes through the same store workflows as the API and the command line, which check the
/// signed-in user's role. Each area's pages and forms have their controller.
enum WebRoutes {
    /// Mounts the stylesheet and every page controller on `router` (behind the web error and session middleware).
    static func add(
        to router: some RouterMethods<DepotRequestContext>, pages: PageEnvironment, sessions: RecentCache<WebSession>,
        signInForms: SignInFormTokens, verifyPassword: @escaping @Sendable (String, String) -> Bool
    ) {
        let stylesheet = pages.renderer.stylesheet
        router.get("static/depot.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: stylesheet)))
        }
        let script = pages.renderer.script
        router.get("static/depot.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: script)))
        }
        SignInController(
            pages: pages, secureCookies: pages.secureCookies, sessions: sessions, forms: signInForms, verifyPassword: verifyPassword
        )
        .addRoutes(to: router)
        SearchController(pages: pages).addRoutes(to: router)
        SupportController(pages: pages).addRoutes(to: router)
        LogisticsController(pages: pages).addRoutes(to: router)
        AccountsController(pages: pages).addRoutes(to: router)
        UnitPagesController(pages: pages).addRoutes(to: router)
        CustomerPagesController(pages: pages).addRoutes(to: router)
        CasePagesController(pages: pages).addRoutes(to: router)
        ListPagesController(pages: pages).addRoutes(to: router)
        RMAPagesController(pages: pages).addRoutes(to: router)
        ReportPagesController(pages: pages).addRoutes(to: router)
        SurveyController(pages: pages).addRoutes(to: router)
    }
}
