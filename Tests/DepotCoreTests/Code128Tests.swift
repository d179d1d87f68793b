import DepotCore
import Testing

@Suite("Code 128")
struct Code128Tests {
    @Test("digit runs go in code set C, the rest in B; the checksum weighs each symbol by its position")
    func symbols() throws {
        // Start C, 12 34 56 78, checksum (105 + 12 + 2*34 + 3*56 + 4*78) mod 103 = 47.
        #expect(try Code128.symbols("12345678") == [105, 12, 34, 56, 78, 47])
        // Start B, R M A - 2 0 2 6 - (a run of four in the middle stays in B), then C for 00 00 01; checksum 2003 mod 103 = 46.
        #expect(try Code128.symbols("RMA-2026-000001") == [104, 50, 45, 33, 13, 18, 16, 18, 22, 13, 99, 0, 0, 1, 46])
        // An odd run sends its first digit in B.
        #expect(
            try Code128.symbols("A1234567") == [104, 33, 17, 99, 23, 45, 67, (104 + 33 + 2 * 17 + 3 * 99 + 4 * 23 + 5 * 45 + 6 * 67) % 103])
        // Back from C to B when the digits end.
        #expect(try Code128.symbols("123456X") == [105, 12, 34, 56, 100, 56, (105 + 12 + 2 * 34 + 3 * 56 + 4 * 100 + 5 * 56) % 103])
    }

    @Test("every symbol is 11 modules, the stop 13, bars first; text outside printable ASCII is refused")
    func widths() throws {
        let widths = try Code128.widths("RMA-2026-000001")
        #expect(widths.reduce(0, +) == 15 * 11 + 13 && widths.count == 15 * 6 + 7)
        #expect(throws: Code128.Unencodable(text: "RMA-é")) { try Code128.widths("RMA-é") }
        #expect(throws: Code128.Unencodable(text: "")) { try Code128.widths("") }
    }
}
