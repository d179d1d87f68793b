import DepotCore
import Foundation

/// Writes a whole file or nothing: into a temporary file beside `path`, renamed over it when complete, removed when
/// writing fails. Reports, exports and key files are written through it, so a reader never sees half a file.
public enum AtomicFile {
    /// Calls `body` with the temporary path to write, then renames it to `path`. `body`'s error is passed on.
    public static func write<T>(_ path: String, _ body: (_ temporary: String) throws -> T) throws -> T {
        let temporary = path + ".partial-\(getpid())"
        do {
            let result = try body(temporary)
            guard rename(temporary, path) == 0 else {
                throw DepotError.storage(path: path, message: "cannot replace the file: \(String(cString: strerror(errno)))")
            }
            return result
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes `data` to `path` whole or not at all.
    public static func write(_ data: Data, to path: String) throws(DepotError) {
        do {
            try write(path) { temporary in
                do { try data.write(to: URL(fileURLWithPath: temporary)) } catch {
                    throw DepotError.unreadableFile(path: path, reason: "cannot write: \(error.localizedDescription)")
                }
            }
        } catch let error as DepotError {
            throw error
        } catch {
            throw .storage(path: path, message: "\(error)")
        }
    }
}
