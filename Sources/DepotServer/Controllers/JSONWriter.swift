import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// A compact JSON writer for the API's busiest answer, the unit (`GET /api/v1/units/{serial}`): Foundation's
/// JSONEncoder took as long as the database lookup itself (perf under wrk). It writes exactly what
/// `JSONEncoder` with sorted keys writes; a test compares the two on every unit of a fleet and on random text.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var first = true

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Bytes as they are (no array is made for them).
    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func escaped(_ letter: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(letter)
    }

    mutating func value(_ text: String?) {
        guard let text else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped(b)
            case 0x0A: escaped(UInt8(ascii: "n"))
            case 0x0D: escaped(UInt8(ascii: "r"))
            case 0x09: escaped(UInt8(ascii: "t"))
            case 0x08: escaped(UInt8(ascii: "b"))
            case 0x0C: escaped(UInt8(ascii: "f"))
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigit(b >> 4))
                bytes.append(Self.hexDigit(b & 0x0F))
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") + n - 10 }

    mutating func value(_ id: (some Identifier)?) { value(id?.text) }

    mutating func value(_ list: [some Identifier]) { value(list.map(\.text)) }

    mutating func value(_ flag: Bool) { flag ? raw("true") : raw("false") }

    mutating func value(_ list: [String]) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for item in list {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            value(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A unit as `JSONEncoder` with sorted keys writes `UnitDetail`.
    static func unit(_ u: UnitDetail) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("cases"); w.value(u.cases)
        w.key("customer"); w.value(u.customer)
        w.key("depot"); w.value(u.depot)
        w.key("model"); w.value(u.model)
        w.key("replacedBy"); w.value(u.replacedBy)
        w.key("replacementWarranty"); w.value(u.replacementWarranty)
        w.key("replaces"); w.value(u.replaces)
        w.key("rmas"); w.value(u.rmas)
        w.key("serial"); w.value(u.serial)
        w.key("shipDate"); w.value(u.shipDate.description)
        w.key("site"); w.value(u.site)
        w.key("softwareVersion"); w.value(u.softwareVersion)
        w.key("status"); w.value(u.status.rawValue)
        w.key("warrantyEnd"); w.value(u.warrantyEnd.description)
        w.endObject()
        return w.bytes
    }
}
