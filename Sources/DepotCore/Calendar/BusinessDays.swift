/// Business dates of a calendar: the date primitive under the clock, for rules that count whole days.
///
/// `offset(_:by:)` has numpy's `busday_offset(date, n, roll='forward')` semantics: a date that is not
/// a business date first rolls forward to the next one, then moves `n` business dates (back for
/// negative `n`). Precomputed over the clock's years as two arrays, so each call is two array reads.
public struct BusinessDays: Sendable {
    /// The first date covered.
    public let first: LocalDate
    /// The last date covered.
    public let last: LocalDate
    /// Business dates as day numbers, ascending.
    private let dates: [Int32]
    /// For each date from `first`, the index in `dates` of the first business date on or after it.
    private let rollForward: [Int32]

    /// The business dates of a week mask (open weekdays) and a set of closed days, over the clock's years.
    public init(
        openWeekdays: Set<Weekday>, closed: Set<Int>,
        from first: LocalDate? = nil, through last: LocalDate? = nil
    ) {
        let first = first ?? LocalDate(BusinessClock.firstYear, 1, 1)
        let last = last ?? LocalDate(BusinessClock.lastYear, 12, 31)
        self.first = first
        self.last = last
        var dates: [Int32] = []
        var roll: [Int32] = []
        roll.reserveCapacity(last.dayNumber - first.dayNumber + 1)
        var weekday = first.weekday.rawValue - 1
        let open = (0..<7).map { openWeekdays.contains(Weekday(rawValue: $0 + 1) ?? .monday) }
        for day in first.dayNumber...last.dayNumber {
            if open[weekday], !closed.contains(day) { dates.append(Int32(day)) }
            weekday = weekday == 6 ? 0 : weekday + 1
        }
        var k = 0
        for day in first.dayNumber...last.dayNumber {
            while k < dates.count, dates[k] < day { k += 1 }
            roll.append(Int32(k))
        }
        self.dates = dates
        self.rollForward = roll
    }

    /// The business dates of a region: a date on which any of its centres is open (by its own hours
    /// and holidays).
    public init(region: SupportRegion) {
        let years = BusinessClock.firstYear...BusinessClock.lastYear
        var openSomewhere = Set<Weekday>()
        for c in region.centres {
            for w in Weekday.allCases where !c.hours.spans(on: w).isEmpty { openSomewhere.insert(w) }
        }
        // A date is closed for the region when every centre is closed on it.
        var closed: Set<Int>?
        for centre in region.centres {
            var centreClosed = centre.holidays.closedDays(years: years)
            // Weekdays the region opens but this centre does not are closed for this centre.
            let first = LocalDate(BusinessClock.firstYear, 1, 1)
            let last = LocalDate(BusinessClock.lastYear, 12, 31)
            let centreOpen = Set(Weekday.allCases.filter { !centre.hours.spans(on: $0).isEmpty })
            if centreOpen != openSomewhere {
                for day in first.dayNumber...last.dayNumber where !centreOpen.contains(LocalDate(dayNumber: day).weekday) {
                    centreClosed.insert(day)
                }
            }
            closed = closed.map { $0.intersection(centreClosed) } ?? centreClosed
        }
        self.init(openWeekdays: openSomewhere, closed: closed ?? [])
    }

    /// Whether a date is a business date.
    public func isBusinessDate(_ date: LocalDate) -> Bool {
        guard date >= first, date <= last else { return false }
        let k = Int(rollForward[date.dayNumber - first.dayNumber])
        return k < dates.count && Int(dates[k]) == date.dayNumber
    }

    /// The `n`-th business date after `date` rolled forward; `nil` outside the covered years.
    @inlinable public func offset(_ date: LocalDate, by n: Int) -> LocalDate? {
        offset(dayNumber: Int32(date.dayNumber), by: Int32(n)).map { LocalDate(dayNumber: Int($0)) }
    }

    /// The raw form of `offset(_:by:)` over day numbers, for bulk callers.
    @inlinable public func offset(dayNumber day: Int32, by n: Int32) -> Int32? {
        let i = Int(day) - first.dayNumber
        guard i >= 0, i < rollForwardCount else { return nil }
        let k = Int(rollForwardAt(i)) + Int(n)
        guard k >= 0, k < datesCount else { return nil }
        return dateAt(k)
    }

    /// Applies `offset` to arrays of day numbers and offsets; `-1` marks a result outside the years covered
    /// (numpy raises instead). The arrays must have equal length.
    public func offsets(days: UnsafeBufferPointer<Int32>, by n: UnsafeBufferPointer<Int32>, into out: UnsafeMutableBufferPointer<Int32>) {
        let base = Int32(first.dayNumber)
        let rollCount = rollForward.count
        let dateCount = dates.count
        rollForward.withUnsafeBufferPointer { roll in
            dates.withUnsafeBufferPointer { dates in
                for j in 0..<days.count {
                    let i = Int(days[j] &- base)
                    guard i >= 0, i < rollCount else { out[j] = -1; continue }
                    let k = Int(roll[i]) + Int(n[j])
                    out[j] = k >= 0 && k < dateCount ? dates[k] : -1
                }
            }
        }
    }

    @usableFromInline var rollForwardCount: Int { rollForward.count }
    @usableFromInline var datesCount: Int { dates.count }
    @usableFromInline func rollForwardAt(_ i: Int) -> Int32 { rollForward[i] }
    @usableFromInline func dateAt(_ k: Int) -> Int32 { dates[k] }
}
