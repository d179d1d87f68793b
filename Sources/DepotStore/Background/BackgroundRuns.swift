import DepotCore
import Foundation

extension DepotDatabase {
    /// Claims the round of the background work `name` due at `now` for `server`: true when no server started one
    /// within the last `interval` seconds (less a tenth, so that a round a little early is not skipped). The claim is
    /// the `background_run` row's update, one write transaction (writers of every server take turns), so of several
    /// servers whose timers fire at once exactly one runs the round; the others wait for the next interval. A round
    /// left unfinished by a process of this host that no longer runs (killed mid-round: a backup, a retention run) is
    /// taken over at once instead of being lost for the interval.
    public func claimBackgroundRound(_ name: String, at now: Instant, interval: Int64, server: String) throws(DepotError) -> Bool {
        let since = now.adding(seconds: -(interval - interval / 10))
        return try write { db in
            let previous = try db.rows(
                "SELECT server FROM background_run WHERE name = ? AND finished_at IS NULL", [name], source: "background_run"
            ).first
            let abandoned = try previous.map { row throws(DepotError) in Self.isGoneLocalProcess(try row.stored("background_run")("server"))
            }
            return try db.execute(
                """
                INSERT INTO background_run (name, started_at, server) VALUES (?1, ?2, ?3)
                ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at, finished_at = NULL, server = excluded.server
                WHERE background_run.started_at <= ?4 OR background_run.started_at > ?2 OR ?5
                """, [name, now.description, server, since.description, abandoned ?? false]) == 1
        }
    }

    /// Whether `server` (`HOST:PID`, as `ScheduledWork.server` names a process) is a process of this host that no
    /// longer runs. Another host's processes cannot be asked, so they are never taken for gone.
    static func isGoneLocalProcess(_ server: String) -> Bool {
        guard let colon = server.lastIndex(of: ":"), server[..<colon] == ProcessInfo.processInfo.hostName,
            let pid = pid_t(server[server.index(after: colon)...]), pid > 0
        else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Records that `server` finished its round of `name`.
    public func finishBackgroundRound(_ name: String, at now: Instant, server: String) throws(DepotError) {
        try write { db in
            _ = try db.execute(
                "UPDATE background_run SET finished_at = ? WHERE name = ? AND server = ?", [now.description, name, server])
        }
    }

    /// When each kind of background work last started and finished, and where.
    public func backgroundRuns() throws(DepotError) -> [BackgroundRun] {
        try read { db in
            try db.rows("SELECT name, started_at, finished_at, server FROM background_run ORDER BY name", source: "background_run")
                .map { row throws(DepotError) in
                    BackgroundRun(
                        name: try row("name"), startedAt: try row("started_at"), finishedAt: try row.optional("finished_at"),
                        server: try row("server"))
                }
        }
    }
}

/// The last round of one kind of background work.
public struct BackgroundRun: Sendable, Equatable, Encodable {
    public let name: String
    public let startedAt: Instant
    @NullEncodable public private(set) var finishedAt: Instant?
    public let server: String
}
