import Crypto
import DepotCore
import Foundation

/// `X-Depot-Signature` of a request: `sha256=` and the lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"`
/// under the endpoint's secret; `X-Depot-Timestamp` carries the same Unix seconds.
public enum WebhookSignature {
    public static func sign(secret: String, timestamp: Int64, body: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.lowercase(mac, prefix: "sha256=")
    }
}
