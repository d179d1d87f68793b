/// United States federal and state holiday rules.
enum USRules {
    /// 5 U.S.C. 6103 and Executive Order 11582: a holiday on a Saturday is observed on the Friday before,
    /// one on a Sunday on the Monday after.
    static func observedFederally(_ date: LocalDate) -> LocalDate? {
        switch date.weekday {
        case .saturday: date.adding(days: -1)
        case .sunday: date.adding(days: 1)
        default: nil
        }
    }

    /// Adds a fixed-date holiday and its observed day.
    static func addObserved(_ date: LocalDate, _ name: String, rule: (LocalDate) -> LocalDate?, into list: inout HolidayList) {
        list.add(date, name)
        if let observed = rule(date) { list.add(observed, name + " (observed)") }
    }

    /// The federal holidays of one year, with their observed days.
    static func federal(_ y: Int, into list: inout HolidayList) {
        federalBase(y, observance: observedFederally, into: &list)
    }

    /// The holidays the federal government and the states share, under one observance rule.
    private static func federalBase(_ y: Int, observance: (LocalDate) -> LocalDate?, into list: inout HolidayList) {
        addObserved(LocalDate(y, 1, 1), "New Year's Day", rule: observance, into: &list)
        list.add(HolidayMath.nth(3, .monday, of: 1, y), "Martin Luther King Jr. Day")
        list.add(HolidayMath.nth(3, .monday, of: 2, y), "Washington's Birthday")
        list.add(HolidayMath.last(.monday, of: 5, y), "Memorial Day")
        if y >= 2021 {  // Juneteenth National Independence Day Act, 17 June 2021
            addObserved(LocalDate(y, 6, 19), "Juneteenth National Independence Day", rule: observance, into: &list)
        }
        addObserved(LocalDate(y, 7, 4), "Independence Day", rule: observance, into: &list)
        list.add(HolidayMath.nth(1, .monday, of: 9, y), "Labor Day")
        list.add(HolidayMath.nth(2, .monday, of: 10, y), "Columbus Day")
        addObserved(LocalDate(y, 11, 11), "Veterans Day", rule: observance, into: &list)
        list.add(HolidayMath.nth(4, .thursday, of: 11, y), "Thanksgiving Day")
        addObserved(LocalDate(y, 12, 25), "Christmas Day", rule: observance, into: &list)
    }

    /// Massachusetts statewide legal holidays: the federal days plus Patriots' Day (third Monday
    /// in April). M.G.L. c. 4, s. 7 moves a holiday on a Sunday to the Monday after and has no Saturday
    /// rule. Evacuation Day and Bunker Hill Day are Suffolk County only and so not statewide.
    static func massachusetts(_ y: Int, into list: inout HolidayList) {
        let sundayToMonday: (LocalDate) -> LocalDate? = { $0.weekday == .sunday ? $0.adding(days: 1) : nil }
        federalBase(y, observance: sundayToMonday, into: &list)
        list.add(HolidayMath.nth(3, .monday, of: 4, y), "Patriots' Day")
    }

    /// California state holidays on which state offices close (Government Code 6700, CalHR):
    /// the federal days (Columbus Day only until 2008), Lincoln's Birthday until 2009,
    /// Cesar Chavez Day (31 March, a Sunday moved to Monday) and the day after Thanksgiving.
    static func california(_ y: Int, into list: inout HolidayList) {
        let sundayToMonday: (LocalDate) -> LocalDate? = { $0.weekday == .sunday ? $0.adding(days: 1) : nil }
        addObserved(LocalDate(y, 1, 1), "New Year's Day", rule: observedFederally, into: &list)
        list.add(HolidayMath.nth(3, .monday, of: 1, y), "Martin Luther King Jr. Day")
        if y <= 2009 {
            addObserved(LocalDate(y, 2, 12), "Lincoln's Birthday", rule: observedFederally, into: &list)
        }
        list.add(HolidayMath.nth(3, .monday, of: 2, y), "Presidents' Day")
        addObserved(LocalDate(y, 3, 31), "Cesar Chavez Day", rule: sundayToMonday, into: &list)
        list.add(HolidayMath.last(.monday, of: 5, y), "Memorial Day")
        if y >= 2021 {
            addObserved(LocalDate(y, 6, 19), "Juneteenth National Independence Day", rule: observedFederally, into: &list)
        }
        addObserved(LocalDate(y, 7, 4), "Independence Day", rule: observedFederally, into: &list)
        list.add(HolidayMath.nth(1, .monday, of: 9, y), "Labor Day")
        if y <= 2008 { list.add(HolidayMath.nth(2, .monday, of: 10, y), "Columbus Day") }
        addObserved(LocalDate(y, 11, 11), "Veterans Day", rule: observedFederally, into: &list)
        let thanksgiving = HolidayMath.nth(4, .thursday, of: 11, y)
        list.add(thanksgiving, "Thanksgiving Day")
        list.add(thanksgiving.adding(days: 1), "Day After Thanksgiving")
        addObserved(LocalDate(y, 12, 25), "Christmas Day", rule: observedFederally, into: &list)
    }
}
