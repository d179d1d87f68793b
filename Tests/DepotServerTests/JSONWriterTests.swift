import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import Testing

@testable import DepotServer

@Suite("The unit API's JSON writer")
struct JSONWriterTests {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test("writes every unit of a demo fleet byte for byte as JSONEncoder with sorted keys")
    func unitsEqualJSONEncoder() throws {
        let depot = try TestDepot.empty()
        var fleet = DemoFleet(appliances: 300, base: Instant(iso: "2026-11-23T15:00:00Z")!, seed: 3)
        _ = try fleet.fill(depot.database, actor: TestDepot.admin, folder: depot.folder.path)
        let serials =
            try depot.database.units(status: .inService, limit: 1000).map(\.serial)
            + depot.database.units(status: .inStock, limit: 1000).map(\.serial)
            + depot.database.units(status: .defective, limit: 1000).map(\.serial)
        #expect(serials.count > 300)
        var withLineage = 0
        for serial in serials {
            let unit = try depot.database.unitDetail(serial)
            if unit.replaces != nil || unit.replacedBy != nil { withLineage += 1 }
            #expect(JSONWriter.unit(unit) == Array(try Self.encoder().encode(unit)), "\(serial)")
        }
        #expect(withLineage > 0)
    }

    @Test("escapes text as JSONEncoder does: quotes, backslashes, every control character, non-ASCII, slashes")
    func textEqualsJSONEncoder() throws {
        var random = SplitMix64(seed: 11)
        let alphabet: [Character] = [
            "a", "Z", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "€", "😀", " ", "<", "&",
        ]
        for _ in 0..<2000 {
            let text = String((0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            var writer = JSONWriter()
            writer.value([text])
            #expect(writer.bytes == Array(try Self.encoder().encode([text])), "\(text.debugDescription)")
        }
    }
}

@Suite("Request bodies")
struct RequestBodyTests {
    @Test("a key named twice in one object is found, escapes decoded; the same key in two objects, or as a value, is not")
    func duplicateKeys() {
        let found: [(String, String?)] = [
            (#"{"note": "a", "note": "b"}"#, "note"),
            (#"{"note": "a", "n\u006fte": "b"}"#, "note"),
            (#"{"items": [{"serial": "A"}, {"serial": "B"}], "x": {"y": 1, "y": 2}}"#, "y"),
            (#"{"a\"b": 1, "a\"b": 2}"#, "a\"b"),
            (#"{"note": "note", "title": "note"}"#, nil),
            (#"{"items": [{"serial": "A"}, {"serial": "B"}]}"#, nil),
            (#"{"a": {"b": 1}, "b": 2}"#, nil),
            (#"{"a\\": "\"b\"", "b": 1}"#, nil),
        ]
        for (json, key) in found {
            #expect(Request.duplicateKey(in: Data(json.utf8)) == key, "\(json)")
        }
        #expect(Request.firstNull(in: ["a": 1, "items": [["serial": "A"], ["serial": NSNull()]]]) == "items[1].serial")
        #expect(Request.firstNull(in: ["a": 1, "b": ["c"]]) == nil)
    }
}
