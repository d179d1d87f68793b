import DepotCore
import Testing

@Suite("Whole-word replacement for erasure")
struct WholeWordsTests {
    @Test(
        "a name is replaced only as a whole word",
        arguments: [
            ("Ann called", "X called", 1),
            ("Annual Report Team", "Annual Report Team", 0),
            ("Joanne and Ann-Marie", "Joanne and Ann-Marie", 0),
            ("Ann's unit; ask Ann.", "X's unit; ask X.", 2),
            ("ann", "ann", 0),
            ("Contact 10 and Contact 1", "Contact 10 and X", 1),
        ])
    func names(text: String, expected: String, count: Int) {
        let word = text.contains("Contact") ? "Contact 1" : "Ann"
        let result = WholeWords.replace(in: text, word, with: "X", kind: .name)
        #expect(result.text == expected && result.count == count)
    }

    @Test(
        "an address is replaced ignoring case, never inside a longer address",
        arguments: [
            ("mail ann@x.example.", "mail E.", 1),
            ("ANN@X.EXAMPLE wrote", "E wrote", 1),
            ("joann@x.example", "joann@x.example", 0),
            ("a.ann@x.example", "a.ann@x.example", 0),
            ("ann@x.example.org", "ann@x.example.org", 0),
            ("ann@x.examples", "ann@x.examples", 0),
            ("<ann@x.example>, ann@x.example", "<E>, E", 2),
            ("\"ann@x.example\"", "\"E\"", 1),
        ])
    func addresses(text: String, expected: String, count: Int) {
        let result = WholeWords.replace(in: text, "ann@x.example", with: "E", kind: .email)
        #expect(result.text == expected && result.count == count)
    }
}

@Suite("The day of an instant")
struct RegionDayTests {
    @Test("today is the date in the home time zone of the record's region; UTC only without a region")
    func regionDay() {
        let policy = Policy.builtInDefault()
        let evening = Instant(iso: "2026-11-23T15:00:00Z")!  // 10:00 in New York, 02:00 the next day in Sydney
        #expect(policy.day(of: evening, region: "americas").description == "2026-11-23")
        #expect(policy.day(of: evening, region: "apac").description == "2026-11-24")
        #expect(policy.day(of: Instant(iso: "2026-11-24T03:00:00Z")!, region: "americas").description == "2026-11-23")
        #expect(policy.day(of: evening, region: nil).description == "2026-11-23")
    }
}
