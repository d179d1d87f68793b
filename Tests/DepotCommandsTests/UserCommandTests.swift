import DepotCore
import DepotTestSupport
import Foundation
import Testing

/// Issue 19: `depot user passwd`, `depot user token --rotate` and `depot user remove`.
@Suite("depot user: passwords, tokens, removal")
struct UserCommandTests {
    @Test("a new password and token are printed once; the old token stops; a removed user is gone; all audited")
    func changes() throws {
        let folder = TemporaryFolder()
        let db = folder.path + "/users.sqlite"
        #expect(try Depot.run(["init", "--db", db]).status == 0)
        let added = try Depot.json(["user", "add", "alice", "--role", "support-engineer", "--db", db, "--format", "json"])
        let password = try Depot.json(["user", "passwd", "alice", "--db", db, "--format", "json"])
        #expect(password["user"] as? String == "alice" && (password["password"] as? String)?.count ?? 0 >= 16)
        #expect(password["password"] as? String != added["password"] as? String)
        let noRotate = try Depot.run(["user", "token", "alice", "--db", db])
        #expect(noRotate.status == 64 && noRotate.stderr.contains("--rotate"))
        let token = try Depot.json(["user", "token", "alice", "--rotate", "--db", db, "--format", "json"])
        #expect((token["token"] as? String).map { !$0.isEmpty && $0 != added["token"] as? String } == true)
        let unknown = try Depot.run(["user", "passwd", "bob", "--db", db])
        #expect(unknown.status != 0 && unknown.stderr.contains("bob"))
        let notAdmin = try Depot.run(["user", "remove", "alice", "--as", "alice", "--db", db])
        #expect(notAdmin.status != 0)
        #expect(try Depot.run(["user", "remove", "alice", "--db", db]).status == 0)
        let list = try Depot.run(["user", "list", "--db", db, "--format", "csv"])
        #expect(!list.stdout.contains("alice"))
        let audit = try Depot.run(["audit", "--entity", "user", "--db", db, "--format", "csv"])
        for action in ["add", "passwd", "rotate-token", "remove"] { #expect(audit.stdout.contains(",\(action),user,alice,"), "\(action)") }
        #expect(!audit.stdout.contains(password["password"] as? String ?? "-") && !audit.stdout.contains(token["token"] as? String ?? "-"))
    }
}
