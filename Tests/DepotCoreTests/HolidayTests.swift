import Testing

@testable import DepotCore

@Suite("holiday calendars")
struct HolidayTests {
    func dates(_ c: BuiltInCalendar, _ year: Int) -> [String] { c.holidays(in: year).map(\.date.description) }

    @Test(
        "Easter Sunday by the computus",
        arguments: [
            (2000, "2000-04-23"), (2008, "2008-03-23"), (2011, "2011-04-24"), (2019, "2019-04-21"), (2024, "2024-03-31"),
            (2025, "2025-04-20"), (2026, "2026-04-05"), (2038, "2038-04-25"), (2049, "2049-04-18"),
        ])
    func easter(year: Int, expected: String) {
        #expect(HolidayMath.easterSunday(year) == day(expected))
    }

    @Test("US federal holidays 2021 match OPM, with the Saturday and Sunday observance rules")
    func us2021() {
        // OPM 2021: Juneteenth (Sat) observed Fri 18 June; 4 July (Sun) observed Mon 5 July;
        // Christmas (Sat) observed Fri 24 Dec; New Year's Day 2022 (Sat) observed Fri 31 Dec 2021.
        #expect(
            dates(.us, 2021) == [
                "2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-06-19", "2021-07-04", "2021-07-05",
                "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-25", "2021-12-31",
            ])
    }

    @Test("US federal holidays 2026 match OPM")
    func us2026() {
        #expect(
            dates(.us, 2026) == [
                "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-07-04", "2026-09-07",
                "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
            ])
        #expect(!dates(.us, 2020).contains("2020-06-19"), "Juneteenth is a federal holiday from 2021")
    }

    @Test("Massachusetts adds Patriots' Day and moves only Sunday holidays")
    func massachusetts() {
        let d2026 = dates(.usMA, 2026)
        #expect(d2026.contains("2026-04-20"))
        #expect(!d2026.contains("2026-07-03"), "no Saturday-to-Friday rule in M.G.L. c. 4 s. 7")
        #expect(dates(.usMA, 2021).contains("2021-07-05"))
    }

    @Test("California: Cesar Chavez Day, the day after Thanksgiving, no Columbus Day after 2008")
    func california() {
        let d2026 = dates(.usCA, 2026)
        #expect(d2026.contains("2026-03-31") && d2026.contains("2026-11-27") && !d2026.contains("2026-10-12"))
        #expect(dates(.usCA, 2024).contains("2024-04-01"), "31 March 2024 was a Sunday")
        #expect(dates(.usCA, 2008).contains("2008-10-13") && dates(.usCA, 2009).contains("2009-02-12"))
        #expect(!dates(.usCA, 2010).contains("2010-02-12"))
    }

    @Test(
        "England and Wales bank holidays match gov.uk, substitute and one-off days included",
        arguments: [
            (2020, ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"]),
            (
                2022,
                [
                    "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19",
                    "2022-12-26", "2022-12-27",
                ]
            ),
            (
                2023,
                [
                    "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25",
                    "2023-12-26",
                ]
            ),
            (2026, ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"]),
            (2027, ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"]),
            (
                2012,
                [
                    "2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05", "2012-08-27", "2012-12-25",
                    "2012-12-26",
                ]
            ),
            (
                2011,
                [
                    "2011-01-03", "2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30", "2011-08-29", "2011-12-26",
                    "2011-12-27",
                ]
            ),
        ])
    func england(year: Int, expected: [String]) {
        #expect(dates(.gbENG, year) == expected)
    }

    @Test("New South Wales 2026 and 2021 match NSW Industrial Relations")
    func newSouthWales() {
        #expect(
            dates(.auNSW, 2026) == [
                "2026-01-01", "2026-01-26", "2026-04-03", "2026-04-04", "2026-04-05", "2026-04-06", "2026-04-25", "2026-04-27",
                "2026-06-08", "2026-10-05", "2026-12-25", "2026-12-26", "2026-12-28",
            ])
        // 2021: Christmas on a Saturday, Boxing Day on a Sunday: two additional days; no Anzac substitute.
        #expect(
            dates(.auNSW, 2021) == [
                "2021-01-01", "2021-01-26", "2021-04-02", "2021-04-03", "2021-04-04", "2021-04-05", "2021-04-25",
                "2021-06-14", "2021-10-04", "2021-12-25", "2021-12-26", "2021-12-27", "2021-12-28",
            ])
        #expect(dates(.auNSW, 2022).contains("2022-09-22"))
        #expect(dates(.auNSW, 2023).contains("2023-01-26"))
        #expect(dates(.auNSW, 2025).contains("2025-01-27") && !dates(.auNSW, 2025).contains("2025-01-26"))
    }

    @Test("Germany: nationwide days only, and the 2017 Reformation Day")
    func germany() {
        #expect(
            dates(.de, 2026) == [
                "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03", "2026-12-25",
                "2026-12-26",
            ])
        #expect(dates(.de, 2017).contains("2017-10-31") && !dates(.de, 2018).contains("2018-10-31"))
    }

    @Test("a composed calendar adds company days and removes dates")
    func composed() {
        let c = HolidayCalendar(
            name: "ACME", sources: [.builtIn(.gbENG)],
            added: [Holiday(date: day("2026-12-24"), name: "Company day")], removed: [day("2026-12-28")])
        let list = c.holidays(in: 2026).map(\.date.description)
        #expect(list.contains("2026-12-24") && !list.contains("2026-12-28") && list.contains("2026-12-25"))
    }
}

@Suite("iCalendar import")
struct ICalendarTests {
    let sample = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//gov.uk//bank-holidays//EN\r
        BEGIN:VEVENT\r
        DTSTART;VALUE=DATE:20261225\r
        DTEND;VALUE=DATE:20261226\r
        SUMMARY:Christmas Day\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        DTSTART;VALUE=DATE:20261228\r
        SUMMARY:Boxing Day\\, substitute\r
          day\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        DTSTART:20270101T000000Z\r
        DURATION:P2D\r
        SUMMARY:Company shutdown\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    @Test("events become holidays: date values, folded lines, escapes, multi-day durations")
    func parses() throws {
        let list = try ICalendarImport.holidays(from: sample, file: "uk.ics")
        #expect(list.map(\.date.description) == ["2026-12-25", "2026-12-28", "2027-01-01", "2027-01-02"])
        #expect(list[1].name == "Boxing Day, substitute day")
    }

    @Test("a bad date is reported with its file and line")
    func badDate() {
        let text = sample.replacingOccurrences(of: "20261228", with: "20261328")
        #expect(throws: DepotError.invalidFile(file: "uk.ics", line: 10, message: "DTSTART is not a date (YYYYMMDD): 20261328")) {
            try ICalendarImport.holidays(from: text, file: "uk.ics")
        }
    }

    @Test("recurring events and non-calendars are refused")
    func refusals() {
        #expect(throws: DepotError.self) {
            try ICalendarImport.holidays(
                from: "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nRRULE:FREQ=YEARLY\nEND:VEVENT\nEND:VCALENDAR\n", file: "r.ics")
        }
        #expect(throws: DepotError.self) { try ICalendarImport.holidays(from: "date,name\n", file: "x.csv") }
    }
}
