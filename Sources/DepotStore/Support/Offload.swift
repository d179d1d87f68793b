import DepotCore

extension DepotDatabase {
    /// Runs blocking database work on the thread pool (`ThreadPool`) with this database, keeping its typed error.
    public func offload<T: Sendable>(_ work: @escaping @Sendable (DepotDatabase) throws(DepotError) -> T) async throws(DepotError) -> T {
        do {
            return try await ThreadPool.run { try work(self) }
        } catch let error as DepotError {
            throw error
        } catch {
            throw .storage(path: path, message: "the thread pool is not running: \(error)")
        }
    }
}
