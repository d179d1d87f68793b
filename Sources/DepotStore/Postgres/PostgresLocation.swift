import DepotCore
import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
/// (`postgresql://` too), as libpq and `psql` take it. The password is never shown: `description` leaves it out.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    let password: String?
    public var database: String { databaseName }
    private var databaseName: String
    public let tls: TLSMode

    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// Whether `text` names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads `text`; a malformed URL is an argument error naming `argument` (`--database`, `$DEPOT_DATABASE`).
    public init(_ text: String, argument: String = "--database") throws(DepotError) {
        func bad(_ reason: String) -> DepotError { .invalidArgument(name: argument, value: Self.redacted(text), reason: reason) }
        guard Self.isURL(text), let url = URLComponents(string: text) else {
            throw bad("expected postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = url.host, !host.isEmpty else { throw bad("the URL names no host") }
        guard let user = url.user, !user.isEmpty else { throw bad("the URL names no user (postgres://USER@HOST/DATABASE)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("the URL names no database (postgres://USER@HOST/DATABASE)") }
        var tls = TLSMode.prefer
        for item in url.queryItems ?? [] {
            guard item.name == "sslmode", let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw bad("unknown parameter \(item.name)=\(item.value ?? ""); only sslmode=disable|prefer|require is read")
            }
            tls = mode
        }
        (self.host, port, self.user, password, databaseName, self.tls) = (host, url.port ?? 5432, user, url.password, database, tls)
    }

    /// The URL without its password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    /// The connection configuration for this location.
    func configuration() throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: mode)
        // No JIT compilation: Depot's statements are short lookups and page-sized reads, and a plan estimated as
        // costly (a table whose statistics predate a bulk load) spent 231 of 249 ms compiling the spare-stock query
        // of the logistics page.
        configuration.options.additionalStartupParameters = [("jit", "off")]
        return configuration
    }
}

extension PostgresLocation {
    /// The database `name` on the same server as this one.
    public func database(_ name: String) -> PostgresLocation {
        var copy = self
        copy.databaseName = name
        return copy
    }

    /// Creates the empty database `name` on this location's server (through this location's database) and answers
    /// where it is: for the test suite's throw-away databases. `name` is lower-case letters, digits and `_`.
    public func createDatabase(_ name: String) throws(DepotError) -> PostgresLocation {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw .invalidArgument(name: "database", value: name, reason: "a database name of lower-case letters, digits and _")
        }
        let store = PostgresStore(self, maximumConnections: 1)
        defer { store.pool.close() }
        do {
            _ = try store.withConnection { connection in try connection.execute("CREATE DATABASE \(name)") }
        } catch {
            throw PostgresErrors.depotError(error, location: self)
        }
        return database(name)
    }
}
