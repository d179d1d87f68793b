import DepotCore
import Foundation
import HTTPTypes
import Hummingbird

/// The proxies whose `X-Forwarded-For` is believed (`depot serve --trusted-proxy`): addresses or CIDR blocks, IPv4
/// or IPv6. Behind a proxy every connection comes from the proxy, so without this every client would share the
/// per-address limits (sign-ins, survey links); believing the header from anyone else would let a guesser pick a
/// new address for every guess.
public struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, bytes) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let blocks: [Block]

    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) { self.blocks = blocks }

    /// Parses `entries` ("10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8"); an entry that is neither is refused by name.
    public init(_ entries: [String]) throws(DepotError) {
        var blocks: [Block] = []
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let bytes = Self.bytes(parts[0]) else {
                throw .invalidArgument(name: "--trusted-proxy", value: entry, reason: "not an IP address or CIDR block (10.0.0.0/8)")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...bytes.count * 8).contains(bits), parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
                else {
                    throw .invalidArgument(
                        name: "--trusted-proxy", value: entry, reason: "the prefix length must be 0 to \(bytes.count * 8)")
                }
                prefix = bits
            }
            blocks.append(Block(bytes: bytes, prefix: prefix))
        }
        self.blocks = blocks
    }

    /// Whether `address` (as text) is one of the trusted proxies.
    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client's address: the connection's, unless that is a trusted proxy; then the right-most address of
    /// `X-Forwarded-For` that is not a trusted proxy (the left-most entries are whatever the client sent). A header
    /// that is missing or holds something other than addresses leaves the connection's address.
    func client(connection: String, forwardedFor: [String]) -> String {
        guard trusts(connection), !forwardedFor.isEmpty else { return connection }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = connection
        for hop in hops.reversed() {
            guard let bytes = Self.bytes(hop) else { return client }
            client = Self.text(bytes)
            if !blocks.contains(where: { $0.contains(bytes) }) { break }
        }
        return client
    }

    /// The address's bytes: 4 for IPv4, 16 for IPv6; `nil` when it is neither.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The address in its canonical text ("::ffff:10.0.0.1" stays IPv6; "010.0.0.1" is not an address at all).
    static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension TrustedProxies {
    /// The address per-client limits count by: an IPv4 address as itself (an IPv4-mapped IPv6 address as the IPv4
    /// one), an IPv6 address by its /64 (one customer's network: its hosts pick addresses inside it at will).
    static func limitKey(_ address: String) -> String {
        guard let bytes = bytes(address) else { return address }
        if bytes.count == 4 { return text(bytes) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return text(Array(bytes[12...])) }
        return text(Array(bytes[0..<8]) + [UInt8](repeating: 0, count: 8)) + "/64"
    }
}

/// Sets each request's client address (`DepotRequestContext.clientAddress`) from its connection and, behind a
/// trusted proxy, from `X-Forwarded-For`; both as the limits count them (`TrustedProxies.limitKey`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = DepotRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let address =
            proxies.blocks.isEmpty
            ? context.clientAddress
            : proxies.client(connection: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor])
        context.clientAddress = TrustedProxies.limitKey(address)
        return try await next(request, context)
    }

    static let forwardedFor: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Forwarded-For") else { preconditionFailure("X-Forwarded-For is a valid field name") }
        return name
    }()
}
