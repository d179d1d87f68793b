/// Reads holidays from an iCalendar (RFC 5545) file such as governments publish
/// (gov.uk's `england-and-wales.ics`): every `VEVENT` becomes one holiday per day it covers.
///
/// Supported: folded lines, `DTSTART`/`DTEND` as dates or date-times (the date part is used),
/// `DURATION` in days, escaped `SUMMARY` text. Recurring events (`RRULE`) are refused with their line.
public enum ICalendarImport {
    /// Parses the text of an `.ics` file; `file` names it in error messages.
    public static func holidays(from text: String, file: String) throws(DepotError) -> [Holiday] {
        var result: [Holiday] = []
        var inEvent = false
        var eventLine = 0
        var start: LocalDate?
        var end: LocalDate?
        var durationDays: Int?
        var summary: String?
        var sawCalendar = false

        for (lineNumber, line) in unfold(text) {
            guard let colon = line.firstIndex(of: ":") else {
                if line.isEmpty { continue }
                throw .invalidFile(file: file, line: lineNumber, message: "not a property line: \(line.prefix(60))")
            }
            let head = line[..<colon]
            let value = String(line[line.index(after: colon)...])
            let name = head.split(separator: ";", maxSplits: 1).first.map { $0.uppercased() } ?? ""
            switch name {
            case "BEGIN" where value.uppercased() == "VCALENDAR":
                sawCalendar = true
            case "BEGIN" where value.uppercased() == "VEVENT":
                inEvent = true
                eventLine = lineNumber
                (start, end, durationDays, summary) = (nil, nil, nil, nil)
            case "END" where value.uppercased() == "VEVENT":
                guard inEvent else { throw .invalidFile(file: file, line: lineNumber, message: "END:VEVENT without BEGIN:VEVENT") }
                inEvent = false
                guard let first = start else {
                    throw .invalidFile(file: file, line: eventLine, message: "event has no DTSTART")
                }
                let title = summary ?? "Holiday"
                let last: LocalDate
                if let end {
                    guard end > first else { throw .invalidFile(file: file, line: eventLine, message: "DTEND is not after DTSTART") }
                    last = end.adding(days: -1)
                } else if let durationDays {
                    last = first.adding(days: max(durationDays, 1) - 1)
                } else {
                    last = first
                }
                guard last.dayNumber - first.dayNumber < 366 else {
                    throw .invalidFile(file: file, line: eventLine, message: "event lasts more than a year")
                }
                for day in first.dayNumber...last.dayNumber {
                    result.append(Holiday(date: LocalDate(dayNumber: day), name: title))
                }
            case "DTSTART" where inEvent:
                start = try date(value, file: file, line: lineNumber, property: "DTSTART")
            case "DTEND" where inEvent:
                end = try date(value, file: file, line: lineNumber, property: "DTEND")
            case "DURATION" where inEvent:
                guard value.hasPrefix("P"), value.hasSuffix("D"), let days = Int(value.dropFirst().dropLast()) else {
                    throw .invalidFile(file: file, line: lineNumber, message: "DURATION must be whole days (P1D), not \(value)")
                }
                durationDays = days
            case "SUMMARY" where inEvent:
                summary = unescape(value)
            case "RRULE" where inEvent, "RDATE" where inEvent:
                throw .invalidFile(file: file, line: lineNumber, message: "recurring events (\(name)) are not supported; list each date")
            default:
                break
            }
        }
        guard sawCalendar else { throw .invalidFile(file: file, line: 1, message: "not an iCalendar file (no BEGIN:VCALENDAR)") }
        guard !inEvent else { throw .invalidFile(file: file, line: eventLine, message: "event is not closed by END:VEVENT") }
        return result.sorted()
    }

    /// Lines with folding undone (RFC 5545 3.1), each with the number of its first physical line.
    private static func unfold(_ text: String) -> [(Int, String)] {
        var lines: [(Int, String)] = []
        var number = 0
        // "\r\n" is one Character in Swift: split on every kind of line break, not on "\n".
        for physical in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            if let first = physical.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1].1 += physical.dropFirst()
            } else {
                lines.append((number, String(physical)))
            }
        }
        return lines
    }

    private static func date(_ value: String, file: String, line: Int, property: String) throws(DepotError) -> LocalDate {
        let digits = Array(value.utf8.prefix(8))
        guard digits.count == 8, let y = ASCII.int(digits[0..<4]), let m = ASCII.int(digits[4..<6]),
            let d = ASCII.int(digits[6..<8]), let date = LocalDate(year: y, month: m, day: d)
        else { throw .invalidFile(file: file, line: line, message: "\(property) is not a date (YYYYMMDD): \(value)") }
        return date
    }

    private static func unescape(_ text: String) -> String {
        var out = ""
        var escaped = false
        for c in text {
            if escaped {
                out.append(c == "n" || c == "N" ? " " : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
