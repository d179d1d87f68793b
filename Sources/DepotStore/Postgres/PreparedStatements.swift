import Foundation
import NIOCore
import PostgresNIO

/// Which SQL texts run as named prepared statements on PostgreSQL, and under which names.
///
/// Without preparation PostgreSQL parses and plans every statement again; with it a connection parses a text once
/// and afterwards only binds and executes it (the issue measured a unit lookup 11x slower unprepared). A text is
/// prepared from its second run on, under a name that includes the types of its bound values (the statement is
/// parsed with those types, exactly as an unnamed one is), so the same text bound with other types gets a statement
/// of its own. At most `limit` names are ever given out: texts that carry values (a report's IN list) would
/// otherwise leave a prepared statement on every connection for every value; past the limit texts run unprepared.
///
/// What is never prepared: statements other than SELECT, INSERT, UPDATE and DELETE (transaction control, cursors,
/// DDL, `WITH`), and any text with a `*` outside `count(*)`: a prepared `SELECT *` fails with "cached plan must
/// not change result type" once `depot migrate` adds a column while the server runs.
/// `PGConnection.execute` also runs INSERT, UPDATE and DELETE without RETURNING unnamed: their answer, how many rows
/// they changed, comes only in the command tag, which postgres-nio gives for unnamed statements.
enum PreparedStatements {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var names: [String: String] = [:]
    nonisolated(unsafe) private static var sightings: [String: Int] = [:]
    static let limit = 2_000
    private static let sightingsLimit = 8_192

    /// The statement's name when `sql`, bound with values of `types`, should run prepared; nil to run it unnamed.
    static func name(for sql: String, types: String) -> String? {
        let key = types + "\u{1}" + sql
        lock.lock()
        defer { lock.unlock() }
        if let name = names[key] { return name }
        guard names.count < limit, eligible(sql) else { return nil }
        let seen = sightings[key, default: 0] + 1
        guard seen >= 2 else {
            if sightings.count >= sightingsLimit { sightings.removeAll(keepingCapacity: true) }
            sightings[key] = seen
            return nil
        }
        sightings[key] = nil
        let name = "depot_\(names.count + 1)"
        names[key] = name
        return name
    }

    /// Whether the statement's kind allows preparing it (see the type's comment).
    static func eligible(_ sql: String) -> Bool {
        let start = sql.drop(while: \.isWhitespace).prefix(7).uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(where: start.hasPrefix) else { return false }
        var previous: Character = " "
        for character in sql {
            if character == "*" && previous != "(" { return false }
            previous = character
        }
        return true
    }

    /// Whether `sql` is an INSERT, UPDATE or DELETE without RETURNING (its answer is how many rows it changed).
    static func isChange(_ sql: String) -> Bool {
        let start = sql.drop(while: \.isWhitespace).prefix(7).uppercased()
        return ["INSERT", "UPDATE", "DELETE"].contains(where: start.hasPrefix)
            && sql.range(of: "RETURNING", options: .caseInsensitive) == nil
    }
}

/// A prepared statement whose text and name are chosen at run time: postgres-nio takes them from the statement's
/// type, and reads them before its first suspension, inside the task that `PGConnection` starts for the call.
struct RuntimeStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name = ""
        var sql = ""
    }

    @TaskLocal static var text = Text()
    static var name: String { text.name }
    static var sql: String { text.sql }

    typealias Row = PostgresRow
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Runs a task's jobs on one NIO event loop: the prepared-statement call is async, and its task runs on the loop of
/// its connection, never on one of Swift's cooperative threads (which the store's callers may be blocking).
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
