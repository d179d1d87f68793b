/// A holiday calendar as a support centre uses it: built-in rule sets and other calendars,
/// plus dates the company adds (its own days off, an imported iCalendar file), minus dates it removes.
public struct HolidayCalendar: Sendable {
    /// Where a calendar's holidays come from.
    public indirect enum Source: Sendable {
        /// A built-in rule set.
        case builtIn(BuiltInCalendar)
        /// Another composed calendar (one defined in the policy).
        case calendar(HolidayCalendar)
    }

    /// The calendar's name (`US`, `ACME-DAYS`, or a centre's id for its own composition).
    public let name: String
    /// The calendars it includes.
    public let sources: [Source]
    /// Dates added as holidays.
    public let added: [Holiday]
    /// Dates that are not holidays even when a source says they are.
    public let removed: Set<LocalDate>

    /// Composes a calendar.
    public init(name: String, sources: [Source], added: [Holiday] = [], removed: Set<LocalDate> = []) {
        self.name = name
        self.sources = sources
        self.added = added
        self.removed = removed
    }

    /// A built-in rule set as a calendar of its own.
    public init(_ builtIn: BuiltInCalendar) {
        self.init(name: builtIn.rawValue, sources: [.builtIn(builtIn)])
    }

    /// The holidays in `year`, sorted by date; one entry per date and name.
    public func holidays(in year: Int) -> [Holiday] {
        var all = Set<Holiday>()
        for source in sources {
            switch source {
            case .builtIn(let b): all.formUnion(b.holidays(in: year))
            case .calendar(let c): all.formUnion(c.holidays(in: year))
            }
        }
        all.formUnion(added.filter { $0.date.year == year })
        return all.filter { !removed.contains($0.date) }.sorted()
    }

    /// The day numbers of every holiday in the years `years`.
    public func closedDays(years: ClosedRange<Int>) -> Set<Int> {
        var days = Set<Int>()
        for year in years {
            for h in holidays(in: year) { days.insert(h.date.dayNumber) }
        }
        return days
    }
}
