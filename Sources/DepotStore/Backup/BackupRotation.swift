import DepotCore
import Foundation
import Logging

/// `depot serve --backup-dir DIR --backup-every 24h --backup-keep N`: a backup named by its time, then only the
/// newest N complete backups in the folder kept.
extension DepotDatabase {
    /// Takes a backup into `directory` as `depot-YYYYMMDDTHHMMSSZ` (made if missing) and removes the oldest complete
    /// backups there beyond `keep`; answers the new backup's folder and the ones removed. Only folders of that name
    /// with a manifest Depot can read are ever removed.
    public func rotateBackups(in directory: String, keep: Int, now: Instant) throws(DepotError) -> (taken: String, removed: [String]) {
        precondition(keep > 0, "at least the new backup is kept")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .storage(path: directory, message: "cannot make the backup folder: \(error.localizedDescription)")
        }
        // What a server killed while it took a backup here left.
        BackupFiles.removeAbandonedPartials(in: directory) { $0.hasPrefix("depot-") }
        let name = "depot-" + now.description.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        let taken = directory + "/" + name
        _ = try backup(to: taken)
        let complete = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("depot-") && !$0.contains(".partial-") }
            // A Depot manifest, not merely a file of its name: a folder Depot did not write is never removed.
            .filter { (try? BackupManifest.read(folder: directory + "/" + $0)) != nil }
            .sorted()
        let removed = Array(complete.dropLast(keep))
        for folder in removed { try? FileManager.default.removeItem(atPath: directory + "/" + folder) }
        return (taken, removed.map { directory + "/" + $0 })
    }
}

extension ScheduledWork {
    /// Takes a backup every `interval` into `directory`, keeping the newest `keep` (one server per interval).
    public static func backups(
        _ database: DepotDatabase, into directory: String, every interval: Duration, keep: Int, clock: any DepotClock, logger: Logger
    ) -> ScheduledWork {
        ScheduledWork(name: "backups", every: interval, clock: clock, logger: logger, oncePerInterval: database) {
            now throws(DepotError) in
            let (taken, removed) = try await database.offload { database throws(DepotError) in
                try database.rotateBackups(in: directory, keep: keep, now: now)
            }
            return ["backup": "\(taken)", "removed": "\(removed.count)"]
        }
    }
}
