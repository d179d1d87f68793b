import Foundation

/// One stretch of open time, with the centres that were open in it.
public struct OpenInterval: Hashable, Sendable, Codable {
    /// When it starts.
    public let start: Instant
    /// When it ends.
    public let end: Instant
    /// The ids of the centres open throughout it.
    public let centres: [String]

    /// Its length in seconds.
    public var seconds: Int64 { end.secondsSinceEpoch - start.secondsSinceEpoch }
}

/// A deadline with the open time it consumed: the answer to "why is it due then?".
public struct DeadlineExplanation: Sendable, Codable {
    /// The instant the clock started.
    public let from: Instant
    /// The duration added.
    public let duration: String
    /// The deadline.
    public let deadline: Instant
    /// Business seconds counted (for wall-clock durations, the plain seconds).
    public let countedSeconds: Int64
    /// The open intervals the clock consumed, in order; empty for wall-clock durations.
    public let intervals: [OpenInterval]
}

/// The business clock of one region (SPEC.md section 2): when the region is open, and what instant
/// lies a given amount of business time after another.
///
/// Built once per region: every open interval of every centre from `firstYear` to `lastYear` is
/// computed in the centre's own zone (exact across daylight-saving changes), the centres are merged
/// into the region's union, and a running total of open seconds makes each addition two lookups:
/// the interval holding the start (a per-day index, then a step or two) and the interval holding the
/// target total (a galloping search from there). No calendar arithmetic happens per call.
public struct BusinessClock: Sendable {
    /// The first year the clock covers.
    public static let firstYear = 1990
    /// The last year the clock covers.
    public static let lastYear = 2100

    /// The region's id.
    public let regionID: String
    /// Business seconds in one standard business day of the region.
    public let businessDaySeconds: Int64

    private let starts: [Int64]
    private let ends: [Int64]
    /// Open seconds from the first interval's start to the end of interval `i`.
    private let cumulativeEnd: [Int64]
    /// For UTC day `d` after `dayBase`, the index of the first interval ending after that day starts.
    private let dayIndex: [Int32]
    private let dayBase: Int64
    private let horizonStart: Int64
    private let horizonEnd: Int64
    private let centreIntervals: [(id: String, starts: [Int64], ends: [Int64])]

    /// Builds the clock of a region.
    public init(region: SupportRegion) throws(DepotError) {
        regionID = region.id
        let firstDay = LocalDate(BusinessClock.firstYear, 1, 1)
        let lastDay = LocalDate(BusinessClock.lastYear, 12, 31)
        // Zones east of UTC start their first day before it: keep a day of margin either side.
        horizonStart = Int64(firstDay.dayNumber + 1) * 86_400
        horizonEnd = Int64(lastDay.dayNumber) * 86_400

        var perCentre: [(id: String, starts: [Int64], ends: [Int64])] = []
        var all: [(Int64, Int64)] = []
        for centre in region.centres {
            let closed = centre.holidays.closedDays(years: BusinessClock.firstYear...BusinessClock.lastYear)
            let spans = BusinessClock.openSpans(centre: centre, from: firstDay, through: lastDay, closed: closed)
            perCentre.append((centre.id, spans.map(\.0), spans.map(\.1)))
            all.append(contentsOf: spans)
        }
        let merged = BusinessClock.union(all)
        guard !merged.isEmpty else { throw .regionNeverOpen(region.id) }
        centreIntervals = perCentre
        starts = merged.map(\.0)
        ends = merged.map(\.1)
        var total: Int64 = 0
        cumulativeEnd = merged.map {
            total += $0.1 - $0.0; return total
        }

        dayBase = Int64(firstDay.dayNumber) * 86_400
        let dayCount = lastDay.dayNumber - firstDay.dayNumber + 2
        var index = [Int32](repeating: 0, count: dayCount)
        var i = 0
        for d in 0..<dayCount {
            let dayStart = dayBase + Int64(d) * 86_400
            while i < ends.count, ends[i] <= dayStart { i += 1 }
            index[d] = Int32(i)
        }
        dayIndex = index
        if let override = region.businessDayOverride {
            businessDaySeconds = override
        } else {
            businessDaySeconds = try BusinessClock.standardDay(of: region)
        }
    }

    /// Whether the region is open at an instant.
    public func isOpen(at instant: Instant) -> Bool {
        let t = instant.secondsSinceEpoch
        guard t >= horizonStart, t < horizonEnd else { return false }
        let i = locate(t)
        return i < starts.count && starts[i] <= t
    }

    /// `instant` when the region is open then, else when it next opens (SPEC.md 8: a case opened while the region is
    /// closed, without a valid PIN, counts from there).
    public func nextOpening(atOrAfter instant: Instant) throws(DepotError) -> Instant {
        let t = instant.secondsSinceEpoch
        guard t >= horizonStart, t < horizonEnd else { throw outside(t) }
        let i = locate(t)
        guard i < starts.count else { throw outside(t) }
        return Instant(secondsSinceEpoch: max(starts[i], t))
    }

    /// The earliest instant at or after `instant` such that the region is open for exactly
    /// `seconds` business seconds in between.
    public func adding(businessSeconds seconds: Int64, to instant: Instant) throws(DepotError) -> Instant {
        Instant(secondsSinceEpoch: try add(businessSeconds: seconds, to: instant.secondsSinceEpoch))
    }

    /// The raw form of `adding(businessSeconds:to:)` over epoch seconds, for bulk callers.
    public func add(businessSeconds seconds: Int64, to t: Int64) throws(DepotError) -> Int64 {
        guard t >= horizonStart, t < horizonEnd else { throw outside(t) }
        if seconds <= 0 { return t }
        let i = locate(t)
        guard i < starts.count else { throw outside(t) }
        let position = starts[i] >= t ? cumulativeEnd[i] - (ends[i] - starts[i]) : cumulativeEnd[i] - (ends[i] - t)
        let target = position + seconds
        // Gallop forward from i for the first interval whose running total reaches the target.
        let n = cumulativeEnd.count
        var lo = i
        var step = 1
        var hi = i
        while hi < n, cumulativeEnd[hi] < target {
            lo = hi + 1
            hi = i + step
            step <<= 1
        }
        if hi >= n {
            guard cumulativeEnd[n - 1] >= target else { throw outside(t, adding: DurationText.of(seconds: seconds) + " of business time") }
            hi = n - 1
        }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulativeEnd[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return ends[lo] - (cumulativeEnd[lo] - target)
    }

    /// The instant a policy duration after `instant`: business units on this clock, wall-clock units plainly.
    public func adding(_ duration: ClockDuration, to instant: Instant) throws(DepotError) -> Instant {
        switch duration.unit {
        case .hours, .days:
            let result = instant.adding(seconds: seconds(of: duration))
            guard instant.secondsSinceEpoch < horizonEnd, instant.secondsSinceEpoch >= horizonStart else {
                throw outside(instant.secondsSinceEpoch)
            }
            guard result.secondsSinceEpoch < horizonEnd, result.secondsSinceEpoch >= horizonStart else {
                throw outside(instant.secondsSinceEpoch, adding: duration.description)
            }
            return result
        case .businessHours, .businessDays:
            return try adding(businessSeconds: seconds(of: duration), to: instant)
        }
    }

    /// The seconds a duration stands for on this clock (business seconds for business units).
    public func seconds(of duration: ClockDuration) -> Int64 {
        let unitSeconds: Int64 =
            switch duration.unit {
            case .businessHours, .hours: 3600
            case .businessDays: businessDaySeconds
            case .days: 86_400
            }
        // Round half up to the second: 1.5 business-days of a 13-hour day is exactly 70 200 s.
        return (duration.milli * unitSeconds + 500) / 1000
    }

    /// A deadline with the open intervals it consumed.
    public func explain(_ duration: ClockDuration, from instant: Instant) throws(DepotError) -> DeadlineExplanation {
        let deadline = try adding(duration, to: instant)
        let counted = seconds(of: duration)
        guard duration.unit.isBusiness, counted > 0 else {
            return DeadlineExplanation(
                from: instant, duration: duration.description, deadline: deadline,
                countedSeconds: counted, intervals: [])
        }
        return DeadlineExplanation(
            from: instant, duration: duration.description, deadline: deadline,
            countedSeconds: counted,
            intervals: openIntervals(from: instant.secondsSinceEpoch, to: deadline.secondsSinceEpoch))
    }

    /// Business seconds in `[from, to)`; zero when `to <= from`.
    public func businessSeconds(from: Instant, to: Instant) throws(DepotError) -> Int64 {
        let a = from.secondsSinceEpoch
        let b = to.secondsSinceEpoch
        guard b > a else { return 0 }
        guard a >= horizonStart, b <= horizonEnd else { throw outside(a < horizonStart ? a : b) }
        return position(b) - position(a)
    }

    /// The open intervals within `[from, to]`, split where the set of open centres changes.
    public func openIntervals(from a: Int64, to b: Int64) -> [OpenInterval] {
        var result: [OpenInterval] = []
        var i = locate(a)
        while i < starts.count, starts[i] < b {
            let s = max(starts[i], a)
            let e = min(ends[i], b)
            if e > s { result.append(contentsOf: segments(s, e)) }
            i += 1
        }
        return result
    }

    // MARK: - Internals

    /// Open seconds from the clock's first interval up to `t`.
    private func position(_ t: Int64) -> Int64 {
        let i = locate(t)
        guard i < starts.count else { return cumulativeEnd.last ?? 0 }
        return starts[i] >= t ? cumulativeEnd[i] - (ends[i] - starts[i]) : cumulativeEnd[i] - (ends[i] - t)
    }

    /// The index of the first interval ending after `t`.
    @inline(__always) private func locate(_ t: Int64) -> Int {
        var i = Int(dayIndex[Int((t - dayBase) / 86_400)])
        while i < ends.count, ends[i] <= t { i += 1 }
        return i
    }

    /// Splits `[s, e)` where the set of open centres changes, naming the centres open in each piece.
    private func segments(_ s: Int64, _ e: Int64) -> [OpenInterval] {
        var cuts: Set<Int64> = [s, e]
        var covering: [(id: String, spans: [(Int64, Int64)])] = []
        for centre in centreIntervals {
            var spans: [(Int64, Int64)] = []
            var lo = 0
            var hi = centre.starts.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if centre.ends[mid] <= s { lo = mid + 1 } else { hi = mid }
            }
            var k = lo
            while k < centre.starts.count, centre.starts[k] < e {
                let a = max(centre.starts[k], s)
                let b = min(centre.ends[k], e)
                spans.append((a, b))
                cuts.insert(a)
                cuts.insert(b)
                k += 1
            }
            covering.append((centre.id, spans))
        }
        let points = cuts.sorted()
        var pieces: [OpenInterval] = []
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            let open = covering.filter { c in c.spans.contains { $0.0 <= a && b <= $0.1 } }.map(\.id)
            if let last = pieces.last, last.centres == open, last.end.secondsSinceEpoch == a {
                pieces[pieces.count - 1] = OpenInterval(start: last.start, end: Instant(secondsSinceEpoch: b), centres: open)
            } else {
                pieces.append(OpenInterval(start: Instant(secondsSinceEpoch: a), end: Instant(secondsSinceEpoch: b), centres: open))
            }
        }
        return pieces
    }

    private func outside(_ t: Int64, adding: String? = nil) -> DepotError {
        .outsideCalendarHorizon(
            instant: Instant(secondsSinceEpoch: t).description,
            first: BusinessClock.firstYear, last: BusinessClock.lastYear, adding: adding)
    }

    /// A centre's open spans (UTC seconds) on the local dates `first...last`, skipping `closed` days.
    static func openSpans(centre: SupportCentre, from first: LocalDate, through last: LocalDate, closed: Set<Int>)
        -> [(Int64, Int64)]
    {
        let zone = ZoneOffsets(
            timeZone: centre.timeZone, from: Int64(first.dayNumber - 2) * 86_400,
            to: Int64(last.dayNumber + 3) * 86_400)
        var spans: [(Int64, Int64)] = []
        var weekday = first.weekday.rawValue - 1
        for day in first.dayNumber...last.dayNumber {
            defer { weekday = weekday == 6 ? 0 : weekday + 1 }
            if closed.contains(day) { continue }
            let midnight = Int64(day) * 86_400
            for span in centre.hours.days[weekday] {
                let s = zone.instant(localSeconds: midnight + Int64(span.open))
                let e = zone.instant(localSeconds: midnight + Int64(span.close))
                if e > s { spans.append((s, e)) }
            }
        }
        return spans
    }

    /// The union of spans: sorted, overlapping and touching spans merged.
    static func union(_ spans: [(Int64, Int64)]) -> [(Int64, Int64)] {
        var merged: [(Int64, Int64)] = []
        for span in spans.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, span.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, span.1)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    /// The region's standard business day: the open time of an ordinary weekday with no holiday,
    /// taken as the most common weekday length over a reference year (2025) without holidays, so that
    /// weeks in which the centres' zones change clocks on different dates do not decide it.
    static func standardDay(of region: SupportRegion) throws(DepotError) -> Int64 {
        let first = LocalDate(2025, 1, 1)
        let last = LocalDate(2025, 12, 31)
        var spans: [(Int64, Int64)] = []
        for centre in region.centres {
            spans += openSpans(centre: centre, from: first, through: last, closed: [])
        }
        let home = ZoneOffsets(
            timeZone: region.homeTimeZone, from: Int64(first.dayNumber - 2) * 86_400,
            to: Int64(last.dayNumber + 3) * 86_400)
        var perDay: [Int: Int64] = [:]
        for (s, e) in union(spans) {
            let localDay = Int((s + home.offset(at: s)).floorDiv(86_400))
            perDay[localDay, default: 0] += e - s
        }
        var counts: [Int64: Int] = [:]
        for (day, seconds) in perDay where !LocalDate(dayNumber: day).weekday.isWeekend { counts[seconds, default: 0] += 1 }
        if counts.isEmpty { for (_, seconds) in perDay { counts[seconds, default: 0] += 1 } }
        guard let mode = counts.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else { throw .regionNeverOpen(region.id) }
        return mode.key
    }
}
