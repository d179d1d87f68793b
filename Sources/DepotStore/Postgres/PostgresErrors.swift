import DepotCore
import Foundation
import PostgresNIO

/// PostgreSQL's errors in Depot's words: the server's own message (never the query, whose text may carry values),
/// or what went wrong reaching it.
enum PostgresErrors {
    static func depotError(_ error: any Error, location: PostgresLocation) -> DepotError {
        if let error = error as? DepotError { return error }
        let path = location.description
        guard let error = error as? PSQLError else { return .storage(path: path, message: String(describing: error)) }
        if let message = error.serverInfo?[.message] {
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            // DEPOT_TRACE_SQL=1 names the statement too (for developers: its text may carry values of the schema).
            let statement = traceSQL ? error.query.map { " in: \($0.sql)" } ?? "" : ""
            return .storage(path: path, message: message + detail + statement)
        }
        switch error.code {
        case .connectionError:
            return .storage(
                path: path,
                message: "cannot reach the database server: \(error.underlying.map { String(describing: $0) } ?? "connection failed")")
        default:
            return .storage(path: path, message: "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
        }
    }

    private static let traceSQL = ProcessInfo.processInfo.environment["DEPOT_TRACE_SQL"] == "1"

    /// The SQLSTATE of a server error, if it is one (`40001` serialization failure, `23505` unique violation).
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
