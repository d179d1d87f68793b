import Foundation

/// The UTC offsets of one IANA time zone over a span of years, as a sorted table of transitions,
/// so that local wall-clock times convert to instants without a Foundation call per conversion.
///
/// Built once from Foundation's `TimeZone` (the system tz database): the offset is sampled daily
/// and every change is bisected to the exact second.
struct ZoneOffsets: Sendable {
    let identifier: String
    /// Instants (UTC seconds) at which the offset changes, ascending.
    private let transitions: [Int64]
    /// `offsets[0]` is in force before `transitions[0]`; `offsets[i + 1]` from `transitions[i]` on.
    private let offsets: [Int32]

    init(timeZone: TimeZone, from start: Int64, to end: Int64) {
        identifier = timeZone.identifier
        func offset(_ t: Int64) -> Int32 { Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))) }
        var transitions: [Int64] = []
        var offsets: [Int32] = [offset(start)]
        var previousTime = start
        var previousOffset = offsets[0]
        var t = start
        while t < end {
            t = min(t + 86_400, end)
            let o = offset(t)
            if o != previousOffset {
                // The change lies in (previousTime, t]: find its first second.
                var lo = previousTime
                var hi = t
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2
                    if offset(mid) == previousOffset { lo = mid } else { hi = mid }
                }
                transitions.append(hi)
                offsets.append(o)
                previousOffset = o
            }
            previousTime = t
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// The offset from UTC, in seconds, in force at a UTC instant.
    func offset(at t: Int64) -> Int64 {
        var lo = 0
        var hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return Int64(offsets[lo])
    }

    /// The instant of a local wall-clock time, given as seconds since 1970-01-01T00:00 local.
    ///
    /// An ambiguous local time (the repeated hour when clocks go back) is its first occurrence;
    /// a local time that does not exist (the hour skipped when clocks go forward) is moved forward
    /// by the length of the gap, as the wall clock would read it.
    func instant(localSeconds local: Int64) -> Int64 {
        let before = offset(at: local - 172_800)
        let after = offset(at: local + 172_800)
        if before == after { return local - before }
        let early = local - max(before, after)
        if offset(at: early) == max(before, after) { return early }
        let late = local - min(before, after)
        if offset(at: late) == min(before, after) { return late }
        return local - before  // in the gap: read with the offset in force before it
    }
}
