import Crypto
import DepotCore
import Foundation

/// The installation's key: 32 random bytes in a file (mode 600), `DB.key` beside an SQLite database, the
/// `--key-file` every server of a PostgreSQL database is given. It seals webhook secrets and signs survey links; a
/// copy of the database alone reveals neither.
public struct InstallationKey: Sendable {
    public let path: String
    let mayCreate: Bool

    public init(database: DepotDatabase) throws(DepotError) {
        guard let file = database.keyFile else {
            throw .invalidArgument(
                name: "--key-file", value: "",
                reason: "a database shared by several servers needs the one key file they all use (or $DEPOT_KEY_FILE)")
        }
        (path, mayCreate) = (file, database.mayCreateKeyFile)
    }

    /// The key, made on first use where the database may make it.
    public func key() throws(DepotError) -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else {
                throw .storage(path: path, message: "the key file must hold 32 bytes, it holds \(data.count)")
            }
            return SymmetricKey(data: data)
        }
        guard mayCreate else {
            throw .storage(path: path, message: "no key file here; give every server the key file made by depot init (--key-file)")
        }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            // Another process made it first: use theirs.
            if errno == EEXIST, let data = FileManager.default.contents(atPath: path), data.count == 32 { return SymmetricKey(data: data) }
            throw .storage(path: path, message: "cannot create the key file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, 32) }
        guard written == 32, fsync(fd) == 0 else { throw .storage(path: path, message: "cannot write the key file") }
        return key
    }

    /// A key of its own for one purpose, derived from the installation's (HKDF-SHA256), so that no two uses share one.
    public func derived(for purpose: String) throws(DepotError) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: try key(), info: Data(purpose.utf8), outputByteCount: 32)
    }
}
