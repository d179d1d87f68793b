import DepotCore
import Testing

@Suite("Serials, case numbers and RMA numbers")
struct IdentifierTests {
    @Test("a number is trimmed and upper-cased, and only a number of its own kind's shape is one")
    func numbers() throws {
        #expect(CaseNumber(" cs-2026-000042 ")?.text == "CS-2026-000042")
        #expect(RMANumber("rma-2026-000007")?.text == "RMA-2026-000007")
        #expect(CaseNumber("CS-2026-1234567")?.text == "CS-2026-1234567")
        for bad in [
            "", "CS", "CS-2026", "CS-26-000001", "CS-2026-00001", "CS-2026-00000A", "CS-2026-000001-1", "RMA-2026-000001",
            "XCS-2026-000001",
        ] {
            #expect(CaseNumber(bad) == nil, "\(bad)")
        }
        #expect(RMANumber("CS-2026-000001") == nil)
        #expect(CaseNumber(year: 2026, sequence: 42).text == "CS-2026-000042")
        #expect(RMANumber(year: 2027, sequence: 1_234_567).text == "RMA-2027-1234567")
        #expect(CaseNumber("cs-2026-000042") == CaseNumber("CS-2026-000042"))
    }

    @Test("a text that is no serial or number of a kind is that kind's record not found")
    func named() throws {
        #expect(throws: DepotError.notFound(kind: "case", key: "RMA-2026-000001")) { try CaseNumber.named("rma-2026-000001") }
        #expect(throws: DepotError.notFound(kind: "RMA", key: "FOO")) { try RMANumber.named(" foo ") }
        #expect(throws: DepotError.notFound(kind: "appliance", key: "SN 1")) { try Serial.named("SN 1") }
        #expect(try Serial.named(" sn-1 ").text == "SN-1")
        // Only dots would be a step of an address (`/units/..` is `/`): no serial.
        for dots in [".", "..", " .. ", "...", "．."] where dots.allSatisfy({ $0 == "." || $0 == " " }) {
            #expect(Serial(dots) == nil, "\(dots)")
        }
        #expect(Serial("A.")?.text == "A." && Serial(".5")?.text == ".5")
        #expect(try Serial.namedIfGiven(nil) == nil)
        #expect(try Serial.namedIfGiven("   ") == nil)
        #expect(try Serial.namedIfGiven("sn-1")?.text == "SN-1")
        // In a request's field, text that cannot be a serial is an invalid field, not an unknown unit.
        #expect(throws: DepotError.notFound(kind: "appliance", key: "SN 1")) { try Serial.named("SN 1") }
        for bad in ["SN 1", "SN\u{7}1", String(repeating: "A", count: 65)] {
            #expect {
                try Serial.field(bad, name: "serial")
            } throws: { error in
                if case .invalidArgument(name: "serial", _, _) = error as? DepotError { return true }
                return false
            }
        }
        #expect(try Serial.fieldIfGiven(" ", name: "serial") == nil && Serial.field(" sn-1 ", name: "serial").text == "SN-1")
        #expect(throws: DepotError.self) { try Serial.namedIfGiven("SN\u{7}1") }
        // Where leaving the serial out means "let Depot choose" (allocating a spare), a blank one is refused.
        #expect(try Serial.namedIfPresent(nil, field: "--serial") == nil)
        #expect(throws: DepotError.invalidArgument(name: "--serial", value: " ", reason: "name a serial, or leave it out")) {
            try Serial.namedIfPresent(" ", field: "--serial")
        }
        #expect(try Serial.namedIfPresent("sp-1", field: "serial")?.text == "SP-1")
    }
}
