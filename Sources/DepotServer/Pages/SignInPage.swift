import Mustache

/// `/sign-in`: the form, with its own token (matched against a cookie), where to go after it, and what went wrong.
struct SignInPage: PageModel {
    static let template = "sign-in"
    let title = "Sign in"
    let token: String
    let next: String
    let name: String
    let problem: String

    func child(named name: String) -> Any? {
        switch name {
        case "token": text(token)
        case "next": text(next)
        case "name": text(self.name)
        case "problem": text(problem)
        default: nil
        }
    }
}
