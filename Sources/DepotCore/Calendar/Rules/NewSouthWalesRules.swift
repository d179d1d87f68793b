/// New South Wales public holidays (Public Holidays Act 2010 (NSW), from 2011; the Banks and Bank
/// Holidays Act 1912 before), as NSW Industrial Relations lists them. The August Bank Holiday is for
/// banks and certain financial institutions only and is not included.
enum NewSouthWalesRules {
    static func publicHolidays(_ y: Int, into list: inout HolidayList) {
        // New Year's Day; on a weekend, the Monday after is an additional public holiday.
        let newYear = LocalDate(y, 1, 1)
        list.add(newYear, "New Year's Day")
        if newYear.weekday.isWeekend { list.add(HolidayMath.onOrAfter(newYear, .monday), "New Year's Day (additional day)") }

        // Australia Day; on a weekend, the public holiday is the Monday after instead.
        let australiaDay = LocalDate(y, 1, 26)
        list.add(australiaDay.weekday.isWeekend ? HolidayMath.onOrAfter(australiaDay, .monday) : australiaDay,
                 australiaDay.weekday.isWeekend ? "Australia Day (observed)" : "Australia Day")

        let easter = HolidayMath.easterSunday(y)
        list.add(easter.adding(days: -2), "Good Friday")
        list.add(easter.adding(days: -1), "Easter Saturday")
        if y >= 2011 { list.add(easter, "Easter Sunday") }
        list.add(easter.adding(days: 1), "Easter Monday")

        // Anzac Day has no substitute day in NSW.
        list.add(LocalDate(y, 4, 25), "Anzac Day")

        list.add(HolidayMath.nth(2, .monday, of: 6, y), y >= 2023 ? "King's Birthday" : "Queen's Birthday")
        list.add(HolidayMath.nth(1, .monday, of: 10, y), "Labour Day")

        // Christmas and Boxing Day, with additional days when they fall on a weekend.
        let christmas = LocalDate(y, 12, 25)
        list.add(christmas, "Christmas Day")
        list.add(LocalDate(y, 12, 26), "Boxing Day")
        switch christmas.weekday {
        case .friday: list.add(LocalDate(y, 12, 28), "Boxing Day (additional day)")
        case .saturday:
            list.add(LocalDate(y, 12, 27), "Christmas Day (additional day)")
            list.add(LocalDate(y, 12, 28), "Boxing Day (additional day)")
        case .sunday: list.add(LocalDate(y, 12, 27), "Christmas Day (additional day)")
        default: break
        }

        if y == 2022 { list.add(LocalDate(2022, 9, 22), "National Day of Mourning for Queen Elizabeth II") }
    }
}
