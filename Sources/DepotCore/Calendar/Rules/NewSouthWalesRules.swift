/// New South Wales public holidays: the Public Holidays Act 2010 (NSW) from 2011, the Banks and Bank
/// Holidays Act 1912 before, as NSW Industrial Relations lists them. The August Bank Holiday is for
/// banks and certain financial institutions only and is not included (a support centre is open).
enum NewSouthWalesRules {
    static func publicHolidays(_ y: Int, into list: inout HolidayList) {
        let modern = y >= 2011

        // New Year's Day: an additional Monday when it falls on a Sunday (before 2011) or a weekend (from 2011).
        let newYear = LocalDate(y, 1, 1)
        list.add(newYear, "New Year's Day")
        if newYear.weekday == .sunday || (modern && newYear.weekday == .saturday) {
            list.add(HolidayMath.onOrAfter(newYear, .monday), "New Year's Day (additional day)")
        }

        // Australia Day: from 2011 a weekend Australia Day moves to the Monday after;
        // before, a Sunday one gave an additional Monday.
        let australiaDay = LocalDate(y, 1, 26)
        if modern, australiaDay.weekday.isWeekend {
            list.add(HolidayMath.onOrAfter(australiaDay, .monday), "Australia Day (observed)")
        } else {
            list.add(australiaDay, "Australia Day")
            if australiaDay.weekday == .sunday { list.add(australiaDay.adding(days: 1), "Australia Day (additional day)") }
        }

        let easter = HolidayMath.easterSunday(y)
        list.add(easter.adding(days: -2), "Good Friday")
        list.add(easter.adding(days: -1), "Easter Saturday")
        if modern { list.add(easter, "Easter Sunday") }
        list.add(easter.adding(days: 1), "Easter Monday")

        // Anzac Day: an additional Monday for a Sunday one before 2011; none from 2011, except that
        // the Public Holidays Amendment for 2026 and 2027 gives one for a weekend Anzac Day.
        let anzac = LocalDate(y, 4, 25)
        list.add(anzac, "Anzac Day")
        if (!modern && anzac.weekday == .sunday) || ((2026...2027).contains(y) && anzac.weekday.isWeekend) {
            list.add(HolidayMath.onOrAfter(anzac, .monday), "Anzac Day (additional day)")
        }

        list.add(HolidayMath.nth(2, .monday, of: 6, y), y >= 2023 ? "King's Birthday" : "Queen's Birthday")
        list.add(HolidayMath.nth(1, .monday, of: 10, y), "Labour Day")

        // Christmas and Boxing Day with their additional days.
        let christmas = LocalDate(y, 12, 25)
        list.add(christmas, "Christmas Day")
        list.add(LocalDate(y, 12, 26), "Boxing Day")
        switch christmas.weekday {
        case .friday where modern:
            list.add(LocalDate(y, 12, 28), "Boxing Day (additional day)")
        case .saturday:
            if modern {
                list.add(LocalDate(y, 12, 27), "Christmas Day (additional day)")
                list.add(LocalDate(y, 12, 28), "Boxing Day (additional day)")
            } else {
                list.add(LocalDate(y, 12, 27), "Boxing Day (additional day)")
            }
        case .sunday:
            list.add(LocalDate(y, 12, 27), "Christmas Day (additional day)")
        default:
            break
        }

        if y == 2022 { list.add(LocalDate(2022, 9, 22), "National Day of Mourning for Queen Elizabeth II") }
    }
}
