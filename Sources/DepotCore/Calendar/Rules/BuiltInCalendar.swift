/// The public-holiday rule sets Depot knows without being told: each computes its holidays for a year
/// from rules (fixed dates, n-th weekdays, Easter, observance and substitute-day rules, and the
/// one-off days that governments proclaimed), not from pasted date lists.
///
/// The sources each set follows, and where it departs from the python-holidays library, are in
/// `docs/holidays.md`.
public enum BuiltInCalendar: String, CaseIterable, Sendable {
    /// United States federal holidays (5 U.S.C. 6103, OPM observance rules).
    case us = "US"
    /// Massachusetts statewide legal holidays (M.G.L. c. 4, s. 7).
    case usMA = "US-MA"
    /// California state holidays on which state offices close (CalHR).
    case usCA = "US-CA"
    /// Bank holidays in England and Wales (gov.uk).
    case gbENG = "GB-ENG"
    /// New South Wales public holidays (Public Holidays Act 2010 (NSW)).
    case auNSW = "AU-NSW"
    /// Germany's nationwide public holidays.
    case de = "DE"

    /// A one-line English description of the rule set.
    public var title: String {
        switch self {
        case .us: "United States federal holidays"
        case .usMA: "Massachusetts legal holidays"
        case .usCA: "California state holidays"
        case .gbENG: "England and Wales bank holidays"
        case .auNSW: "New South Wales public holidays"
        case .de: "Germany, nationwide public holidays"
        }
    }

    /// Every holiday date that falls in `year`, sorted, observed and substitute days as their own entries.
    /// A holiday whose observed day falls in a neighbouring year (New Year's Day 2022, a Saturday,
    /// observed on Friday 2021-12-31) is listed in the year the observed day falls in.
    public func holidays(in year: Int) -> [Holiday] {
        var list = HolidayList(year: year)
        for y in (year - 1)...(year + 1) {
            switch self {
            case .us: USRules.federal(y, into: &list)
            case .usMA: USRules.massachusetts(y, into: &list)
            case .usCA: USRules.california(y, into: &list)
            case .gbENG: EnglandRules.bankHolidays(y, into: &list)
            case .auNSW: NewSouthWalesRules.publicHolidays(y, into: &list)
            case .de: GermanyRules.nationwide(y, into: &list)
            }
        }
        return list.sorted
    }
}

/// Collects the holidays of one year while the rules of it and its neighbours run.
struct HolidayList {
    let year: Int
    private var entries: [Holiday] = []

    init(year: Int) { self.year = year }

    /// Adds a holiday when it falls in the collected year.
    mutating func add(_ date: LocalDate, _ name: String) {
        if date.year == year { entries.append(Holiday(date: date, name: name)) }
    }

    /// The holidays, sorted by date; one entry per date and name.
    var sorted: [Holiday] { Array(Set(entries)).sorted() }
}
