import DepotCore
import Dispatch

extension DepotDatabase {
    /// Runs blocking database work on a thread of Dispatch's pool and waits for it without blocking: SQLite calls
    /// block their thread, and Swift's cooperative pool has only as many threads as cores. Background services and
    /// the delivery worker call the store through this.
    public func offload<T: Sendable>(_ work: @escaping @Sendable (DepotDatabase) throws(DepotError) -> T) async throws(DepotError) -> T {
        let result: Result<T, DepotError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(DepotError) -> T in try work(self) })
            }
        }
        return try result.get()
    }
}
