/// Bank holidays in England and Wales (Banking and Financial Dealings Act 1971 and royal proclamations),
/// as gov.uk lists them.
enum EnglandRules {
    static func bankHolidays(_ y: Int, into list: inout HolidayList) {
        // New Year's Day: a Saturday or Sunday gives a substitute day on the Monday after.
        let newYear = LocalDate(y, 1, 1)
        list.add(
            newYear.weekday.isWeekend ? HolidayMath.onOrAfter(newYear, .monday) : newYear,
            newYear.weekday.isWeekend ? "New Year's Day (substitute day)" : "New Year's Day")

        let easter = HolidayMath.easterSunday(y)
        list.add(easter.adding(days: -2), "Good Friday")
        list.add(easter.adding(days: 1), "Easter Monday")

        // Early May bank holiday, moved to Friday 8 May for the VE Day anniversaries of 1995 and 2020.
        if y == 2020 {
            list.add(LocalDate(2020, 5, 8), "Early May bank holiday (VE day)")
        } else {
            list.add(HolidayMath.nth(1, .monday, of: 5, y), "Early May bank holiday")
        }

        // Spring bank holiday, moved for the Golden, Diamond and Platinum Jubilees.
        switch y {
        case 2002:
            list.add(LocalDate(2002, 6, 3), "Golden Jubilee bank holiday")
            list.add(LocalDate(2002, 6, 4), "Spring bank holiday")
        case 2012:
            list.add(LocalDate(2012, 6, 4), "Spring bank holiday")
            list.add(LocalDate(2012, 6, 5), "Queen's Diamond Jubilee")
        case 2022:
            list.add(LocalDate(2022, 6, 2), "Spring bank holiday")
            list.add(LocalDate(2022, 6, 3), "Platinum Jubilee bank holiday")
        default:
            list.add(HolidayMath.last(.monday, of: 5, y), "Spring bank holiday")
        }

        list.add(HolidayMath.last(.monday, of: 8, y), "Summer bank holiday")

        // Christmas and Boxing Day: a day on a weekend gives a substitute on the next free weekday.
        let christmas = LocalDate(y, 12, 25)
        switch christmas.weekday {
        case .friday:
            list.add(christmas, "Christmas Day")
            list.add(LocalDate(y, 12, 28), "Boxing Day (substitute day)")
        case .saturday:
            list.add(LocalDate(y, 12, 27), "Christmas Day (substitute day)")
            list.add(LocalDate(y, 12, 28), "Boxing Day (substitute day)")
        case .sunday:
            list.add(LocalDate(y, 12, 26), "Boxing Day")
            list.add(LocalDate(y, 12, 27), "Christmas Day (substitute day)")
        default:
            list.add(christmas, "Christmas Day")
            list.add(LocalDate(y, 12, 26), "Boxing Day")
        }

        // One-off bank holidays by royal proclamation.
        switch y {
        case 1999: list.add(LocalDate(1999, 12, 31), "Millennium celebrations")
        case 2011: list.add(LocalDate(2011, 4, 29), "Royal wedding")
        case 2022: list.add(LocalDate(2022, 9, 19), "State Funeral of Queen Elizabeth II")
        case 2023: list.add(LocalDate(2023, 5, 8), "Bank holiday for the coronation of King Charles III")
        default: break
        }
    }
}
