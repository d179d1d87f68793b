/// A time a case waited on the customer: escalation clocks stop from `start` until `end` (`nil`: still waiting).
/// The response clock never stops (SPEC.md 3).
public struct CasePause: Sendable, Equatable {
    public let start: Instant
    public let end: Instant?

    public init(start: Instant, end: Instant?) {
        self.start = start
        self.end = end
    }

    /// The part of the pause after `clocksStart` (SPEC.md 8: a case opened while its region was closed, without a valid
    /// PIN, has its clocks start at the next opening; a wait before then holds no clock). `nil` when it began before
    /// the clocks started and ended by then.
    public func counted(from clocksStart: Instant) -> CasePause? {
        if let end, end <= clocksStart, start < clocksStart { return nil }
        return CasePause(start: max(start, clocksStart), end: end)
    }

    /// Wall-clock seconds waited, up to `now` for a pause still running.
    public func seconds(now: Instant) -> Int64 {
        max(0, (end ?? now).secondsSinceEpoch - start.secondsSinceEpoch)
    }
}

extension BusinessClock {
    /// An escalation deadline `due` after a pause: a deadline the pause began before (`due <= start`) stays,
    /// since it had passed; a later one moves by the paused time counted in the threshold's own kind of time,
    /// the business time of this clock within the pause for business thresholds, the wall-clock time otherwise.
    /// The result is what the clock would give had it not run during the pause: `threshold` of counted time
    /// between opening and the new deadline, the pause left out.
    public func moved(_ due: Instant, threshold: ClockDuration, start: Instant, end: Instant) throws(DepotError) -> Instant {
        guard due > start, end > start else { return due }
        if threshold.unit.isBusiness {
            return try adding(businessSeconds: businessSeconds(from: start, to: end), to: due)
        }
        return due.adding(seconds: end.secondsSinceEpoch - start.secondsSinceEpoch)
    }

    /// The escalation deadline `threshold` after `opened` with `pauses` (in time order) left out. `nil` while a
    /// pause that began before the deadline is still running: the deadline is not known until it ends.
    public func escalationDeadline(_ threshold: ClockDuration, opened: Instant, pauses: [CasePause]) throws(DepotError) -> Instant? {
        var due = try adding(threshold, to: opened)
        for pause in pauses {
            guard let end = pause.end else { return due > pause.start ? nil : due }
            due = try moved(due, threshold: threshold, start: pause.start, end: end)
        }
        return due
    }
}
