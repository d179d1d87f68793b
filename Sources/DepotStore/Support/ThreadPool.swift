import NIOCore
import NIOPosix

/// Where blocking work runs: NIO's shared thread pool (as many threads as cores), never Swift's cooperative pool,
/// whose few threads a blocked SQLite call would take from every other task. The server's handlers and the
/// background services call the store through it.
public enum ThreadPool {
    /// Sizes the pool for a store that waits on the network (PostgreSQL): a thread that waits for the database's
    /// answer does no work, so more threads than cores keep the cores busy. Only before the pool's first use.
    public static func prepareForNetworkStore() {
        NIOSingletons.blockingPoolThreadCountSuggestion = max(16, System.coreCount * 4)
    }

    /// Runs `body` on a pool thread and waits for it without blocking.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
