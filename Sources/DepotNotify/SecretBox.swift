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
    let installationKey: InstallationKey
    var keyPath: String { installationKey.path }

    init(database: DepotDatabase) throws(DepotError) {
        installationKey = try InstallationKey(database: database)
    }

    /// The key, made on first use. Webhook secrets are sealed with the installation's key itself, as they always
    /// were, so that secrets sealed before still open (survey links use a key derived from it).
    fileprivate func key() throws(DepotError) -> SymmetricKey { try installationKey.key() }

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
