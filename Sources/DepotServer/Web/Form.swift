import DepotCore
import Foundation
import Hummingbird

/// The fields of a submitted HTML form (`application/x-www-form-urlencoded`).
struct Form: Sendable {
    let fields: [String: String]

    /// Reads a form body of at most 64 KiB. With `csrf`, the form's `csrf` field must equal it (403 otherwise).
    static func read(_ request: Request, csrf: String?) async throws -> Form {
        let buffer = try await request.body.collect(upTo: 1 << 16)
        let form = try parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        if let csrf {
            guard let sent = form.fields["csrf"], WebSessions.equal(sent, csrf) else {
                throw APIError(
                    status: .forbidden, code: "csrf",
                    message: "the form's security token is missing or out of date: reload the page and send it again")
            }
        }
        return form
    }

    /// Parses `a=1&b=two+words`; a malformed escape is a 400.
    static func parse(_ body: String) throws -> Form {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws -> String {
                guard let value = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw APIError(status: .badRequest, code: "invalid", message: "the form is not correctly encoded")
                }
                return value
            }
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            // SQLite would keep the text up to it and PostgreSQL refuses it: no field may hold it.
            guard !value.unicodeScalars.contains("\u{0}") else {
                throw APIError(
                    status: .badRequest, code: "invalid", message: "field \"\(name)\" holds the character U+0000 (NUL)", field: name)
            }
            fields[name] = value
        }
        return Form(fields: fields)
    }

    /// A field's text as sent, `nil` when absent.
    func get(_ name: String) -> String? { fields[name] }

    /// A field's text with spaces trimmed, `nil` when absent or blank.
    func optional(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A field that must be filled in (400 naming it otherwise).
    func required(_ name: String) throws -> String {
        guard let value = optional(name) else {
            throw APIError(status: .badRequest, code: "invalid", message: "field \"\(name)\" is required", field: name)
        }
        return value
    }

    /// A field that must be one of an enumeration's values.
    func value<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T where T.RawValue == String {
        let text = try required(name)
        guard let value = T(rawValue: text) else {
            throw APIError(
                status: .badRequest, code: "invalid",
                message: "field \"\(name)\": \"\(text)\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))",
                field: name)
        }
        return value
    }

    /// An optional field that, when given, must be one of an enumeration's values.
    func optionalValue<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        optional(name) == nil ? nil : try value(name, as: type)
    }
}

extension Request {
    /// The query string decoded as a form is (`application/x-www-form-urlencoded`: `+` and `%20` are spaces), as
    /// browsers send a GET form's fields; a malformed escape is a 400.
    func queryForm() throws -> Form {
        try Form.parse(uri.query ?? "")
    }
}
