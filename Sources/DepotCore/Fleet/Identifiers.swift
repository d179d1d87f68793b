/// A key users know a record by (a serial, a case or RMA number), kept in its normalised text.
public protocol Identifier: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The normalised text.
    var text: String { get }
}

/// An appliance serial number: unique, case-insensitive and trimmed (SPEC.md 1), so it is kept
/// trimmed and in upper case; two spellings of one serial are the same `Serial`.
public struct Serial: Identifier {
    /// The normalised text.
    public let text: String

    /// The serial `raw` names, or `nil` when it is empty or holds a control character or a space inside.
    public init?(_ raw: some StringProtocol) {
        // The common case, printable ASCII without spaces, costs one pass over the bytes (the unit API's
        // lookups spent a tenth of their time in the general path below).
        var ascii = true
        var lower = false
        for b in raw.utf8 {
            if b < 0x21 || b > 0x7E {
                ascii = false
                break
            }
            if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { lower = true }
        }
        if ascii {
            let count = raw.utf8.count
            // Only dots would be a path step in an address (`/units/..` is `/`), never a unit of its own.
            guard count > 0, count <= 64, raw.utf8.contains(where: { $0 != UInt8(ascii: ".") }) else { return nil }
            text =
                lower
                ? String(decoding: raw.utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }, as: UTF8.self)
                : String(raw)
            return
        }
        let trimmed = raw.trimmingSpaces()
        guard !trimmed.isEmpty, trimmed.count <= 64, trimmed.contains(where: { $0 != "." }),
            trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { return nil }
        text = trimmed.uppercased()
    }

    public var description: String { text }
    public static func < (a: Serial, b: Serial) -> Bool { a.text < b.text }

    /// The serial `raw` names, or the error a lookup of it gives: no appliance has a serial that is not one.
    public static func named(_ raw: String) throws(DepotError) -> Serial {
        guard let serial = Serial(raw) else { throw .notFound(kind: "appliance", key: raw) }
        return serial
    }

    /// The serial `raw` names, `nil` when it is absent (`field`: what to call it in the error for a blank one, which
    /// names nothing), or the error a lookup of it gives.
    public static func namedIfPresent(_ raw: String?, field: String) throws(DepotError) -> Serial? {
        guard let raw else { return nil }
        guard !raw.trimmingSpaces().isEmpty else {
            throw .invalidArgument(name: field, value: raw, reason: "name a serial, or leave it out")
        }
        return try Serial.field(raw, name: field)
    }

    /// The serial a request's field `name` holds: text that cannot be a serial (a space or a control character
    /// inside, longer than 64 characters) is an invalid field, not a unit that is not there.
    public static func field(_ raw: String, name: String) throws(DepotError) -> Serial {
        guard let serial = Serial(raw) else {
            throw .invalidArgument(
                name: name, value: raw, reason: "not a serial (no spaces or control characters inside, at most 64 characters)")
        }
        return serial
    }

    /// The serial a request's optional field `name` holds, `nil` when it is absent or blank.
    public static func fieldIfGiven(_ raw: String?, name: String) throws(DepotError) -> Serial? {
        guard let raw, !raw.trimmingSpaces().isEmpty else { return nil }
        return try field(raw, name: name)
    }

    /// The serial `raw` names, `nil` when it is absent or blank (an optional field left empty), or the error a
    /// lookup of it gives.
    public static func namedIfGiven(_ raw: String?) throws(DepotError) -> Serial? {
        guard let raw, !raw.trimmingSpaces().isEmpty else { return nil }
        return try named(raw)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let serial = Serial(s) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a serial: \(s)") }
        self = serial
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// A numbered record's kind, with the prefix of its numbers: `CS-2026-000042`, `RMA-2026-000007`.
public enum NumberedKind: String, Sendable, CaseIterable {
    /// A support case.
    case supportCase = "CS"
    /// A return-merchandise authorisation.
    case rma = "RMA"

    /// The number of the `sequence`th record of `year`: `CS-2026-000042`.
    public func number(year: Int, sequence: Int) -> String {
        let digits = String(sequence)
        return "\(rawValue)-\(year)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// What a lookup calls the record, in a not-found message.
    public var noun: String {
        switch self {
        case .supportCase: "case"
        case .rma: "RMA"
        }
    }

    /// Whether `text` has the shape of one of these numbers.
    public func matches(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == rawValue && parts[1].count == 4 && parts[1].allSatisfy(\.isASCIIDigit)
            && parts[2].count >= 6 && parts[2].allSatisfy(\.isASCIIDigit)
    }
}

/// How one kind of record is numbered (the type parameter of `RecordNumber`).
public protocol Numbering: Sendable {
    static var kind: NumberedKind { get }
}

/// Support cases, numbered `CS-2026-000042`.
public enum CaseNumbering: Numbering {
    public static let kind = NumberedKind.supportCase
}

/// RMAs, numbered `RMA-2026-000007`.
public enum RMANumbering: Numbering {
    public static let kind = NumberedKind.rma
}

/// A support case's number.
public typealias CaseNumber = RecordNumber<CaseNumbering>
/// An RMA's number.
public typealias RMANumber = RecordNumber<RMANumbering>

/// The number of a support case or an RMA, as Depot gives them: trimmed, in upper case and of its kind's shape
/// (`CS-2026-000042`), so that a case's number can never be passed where an RMA's is meant.
public struct RecordNumber<Record: Numbering>: Identifier {
    /// The normalised text.
    public let text: String

    /// The number `raw` names (spaces around it and letter case do not matter), or `nil` when it does not have the
    /// shape of its kind's numbers.
    public init?(_ raw: some StringProtocol) {
        let text = raw.trimmingSpaces().uppercased()
        guard Record.kind.matches(text) else { return nil }
        self.text = text
    }

    /// The number of the `sequence`th record of `year` (from 1).
    public init(year: Int, sequence: Int) {
        text = Record.kind.number(year: year, sequence: sequence)
    }

    /// The number `raw` names, or the error a lookup of it gives: no record has a number of another shape.
    public static func named(_ raw: String) throws(DepotError) -> Self {
        guard let number = Self(raw) else { throw .notFound(kind: Record.kind.noun, key: raw.trimmingSpaces().uppercased()) }
        return number
    }

    public var description: String { text }
    public static func < (a: Self, b: Self) -> Bool { a.text < b.text }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let number = Self(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a \(Record.kind.noun) number: \(s)")
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    public func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
