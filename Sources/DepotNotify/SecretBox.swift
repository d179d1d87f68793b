import Crypto
import DepotCore
import DepotStore
import Foundation

/// Seals webhook signing secrets (which Depot must be able to use, so they cannot be hashed) with AES-GCM
/// under a key kept in a file, `DB.key` beside an SQLite database, the `--key-file` every server of a PostgreSQL
/// database is given (32 random bytes, mode 600): a copy of the database alone does not reveal them.
extension DepotDatabase {
    /// Makes the key file that seals webhook secrets when it may and none is there (`depot init` on PostgreSQL makes
    /// the one file every server is then given); answers whether it made it. A key file already there is checked.
    public func prepareWebhookKey() throws(DepotError) -> Bool {
        let box = try SecretBox(database: self)
        let existed = FileManager.default.fileExists(atPath: box.keyPath)
        _ = try box.key()
        return !existed
    }
}

struct SecretBox {
    let keyPath: String
    let mayCreate: Bool

    init(database: DepotDatabase) throws(DepotError) {
        guard let file = database.keyFile else {
            throw .invalidArgument(
                name: "--key-file", value: "",
                reason: "a database shared by several servers needs the one key file they all use (or $DEPOT_KEY_FILE)")
        }
        (keyPath, mayCreate) = (file, database.mayCreateKeyFile)
    }

    /// The key, made on first use.
    fileprivate func key() throws(DepotError) -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: keyPath) {
            guard data.count == 32 else {
                throw .storage(path: keyPath, message: "the key file must hold 32 bytes, it holds \(data.count)")
            }
            return SymmetricKey(data: data)
        }
        guard mayCreate else {
            throw .storage(path: keyPath, message: "no key file here; give every server the key file made by depot init (--key-file)")
        }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let fd = open(keyPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .storage(path: keyPath, message: "cannot create the key file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, 32) }
        guard written == 32, fsync(fd) == 0 else { throw .storage(path: keyPath, message: "cannot write the key file") }
        return key
    }

    func seal(_ secret: String) throws(DepotError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key()).combined else {
                throw DepotError.storage(path: keyPath, message: "cannot seal the secret")
            }
            return combined
        } catch let error as DepotError {
            throw error
        } catch {
            throw .storage(path: keyPath, message: "cannot seal the secret: \(error)")
        }
    }

    func unseal(_ sealed: Data) throws(DepotError) -> String {
        do {
            let data = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key())
            return String(decoding: data, as: UTF8.self)
        } catch let error as DepotError {
            throw error
        } catch {
            throw .storage(path: keyPath, message: "cannot open a sealed secret (was the key file replaced?)")
        }
    }
}
