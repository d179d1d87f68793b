/// Germany's nationwide public holidays (the federal Unity Day and the days every state observes).
/// Germany has no substitute days.
enum GermanyRules {
    static func nationwide(_ y: Int, into list: inout HolidayList) {
        let easter = HolidayMath.easterSunday(y)
        list.add(LocalDate(y, 1, 1), "Neujahr")
        list.add(easter.adding(days: -2), "Karfreitag")
        list.add(easter.adding(days: 1), "Ostermontag")
        list.add(LocalDate(y, 5, 1), "Tag der Arbeit")
        list.add(easter.adding(days: 39), "Christi Himmelfahrt")
        list.add(easter.adding(days: 50), "Pfingstmontag")
        list.add(LocalDate(y, 10, 3), "Tag der Deutschen Einheit")
        if y == 2017 { list.add(LocalDate(2017, 10, 31), "Reformationstag (500. Jahrestag)") }
        list.add(LocalDate(y, 12, 25), "Erster Weihnachtstag")
        list.add(LocalDate(y, 12, 26), "Zweiter Weihnachtstag")
    }
}
