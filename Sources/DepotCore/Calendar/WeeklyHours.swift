/// When a support centre is open in an ordinary week, in its local time.
public struct WeeklyHours: Sendable, Equatable {
    /// One opening span on a day, in seconds after local midnight; `close` may be 86 400 (24:00).
    public struct Span: Sendable, Equatable {
        /// Opening time, seconds after local midnight.
        public let open: Int
        /// Closing time, seconds after local midnight.
        public let close: Int

        /// Creates a span; `open < close <= 86 400`.
        public init(open: Int, close: Int) {
            self.open = open
            self.close = close
        }

        /// `08:00-18:00`.
        public var description: String { WeeklyHours.clock(open) + "-" + WeeklyHours.clock(close) }
    }

    /// The spans of each weekday, Monday first.
    public let days: [[Span]]

    /// Creates weekly hours from the spans of each weekday.
    public init(_ spans: [Weekday: [Span]]) {
        days = Weekday.allCases.map { (spans[$0] ?? []).sorted { $0.open < $1.open } }
    }

    /// The spans of one weekday.
    public func spans(on weekday: Weekday) -> [Span] { days[weekday.rawValue - 1] }

    /// Monday to Friday, 08:00 to 18:00: the default of SPEC.md.
    public static let standard = WeeklyHours(
        Dictionary(
            uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
                ($0, [Span(open: 8 * 3600, close: 18 * 3600)])
            }))

    /// Parses `HH:MM-HH:MM[, HH:MM-HH:MM...]`; `nil` when malformed, out of order or overlapping.
    public static func parseSpans(_ text: String) -> [Span]? {
        var spans: [Span] = []
        for part in text.split(separator: ",") {
            let bounds = part.trimmingCharacters(in: " ").split(separator: "-")
            guard bounds.count == 2, let open = seconds(bounds[0]), let close = seconds(bounds[1]), open < close else { return nil }
            if let last = spans.last, last.close > open { return nil }
            spans.append(Span(open: open, close: close))
        }
        return spans.isEmpty ? nil : spans
    }

    /// `HH:MM` (00:00 to 24:00) as seconds after midnight.
    static func seconds(_ text: Substring) -> Int? {
        let u = Array(text.trimmingCharacters(in: " ").utf8)
        guard u.count == 5, u[2] == 58, let h = ASCII.int(u[0..<2]), let m = ASCII.int(u[3..<5]), m < 60,
            h < 24 || (h == 24 && m == 0)
        else { return nil }
        return h * 3600 + m * 60
    }

    static func clock(_ seconds: Int) -> String { ASCII.pad(seconds / 3600, 2) + ":" + ASCII.pad(seconds / 60 % 60, 2) }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
