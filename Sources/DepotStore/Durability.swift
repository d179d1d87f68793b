/// What an acknowledged change survives (issue 19), on SQLite. In WAL mode:
///
/// - `full` (the default): every commit is synced to disk before it returns, so a change answered 2xx (or a command
///   that said it is done) survives a power cut. The server's group commit syncs once per group, not per change.
/// - `normal`: the WAL is synced only at checkpoints. The database stays consistent after a crash of the process or
///   the machine, but a power cut may lose the last commits, including ones already answered. Measured, not
///   recommended (`Scripts/bench`).
///
/// PostgreSQL decides for itself (`synchronous_commit`, on by default: committed means flushed).
public enum Durability: String, Sendable, CaseIterable {
    case full, normal

    var sqlitePragma: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        }
    }
}
