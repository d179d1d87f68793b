import ArgumentParser
import DepotCore
import Foundation

/// How a command prints its answer.
public enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case table, csv, json
}

/// `--format`, shared by every command that prints data.
public struct FormatOptions: ParsableArguments {
    @Option(help: "Output format: table, csv or json (default: table on a terminal, csv otherwise).")
    var format: OutputFormat?

    public init() {}

    /// The format in force.
    var resolved: OutputFormat { format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .csv) }
}

/// Writes to standard output and standard error.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Text on standard error as it is (a progress bar's carriage returns).
    static func writeRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// One JSON document, keys sorted, with a final newline.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }

    /// Rows as a table (aligned columns) or CSV with a header row.
    static func rows(_ header: [String], _ rows: [[String]], format: OutputFormat) {
        switch format {
        case .csv, .json:
            write(([header] + rows).map(CSVField.record).joined())
        case .table:
            var widths = header.map(\.count)
            for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                    .trimmingTrailingSpaces() + "\n"
            }
            write(line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined())
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// `13:00:00` for 46 800 seconds: a length of time for people to read.
func hoursAndMinutes(_ seconds: Int64) -> String {
    let h = seconds / 3600
    let m = seconds / 60 % 60
    let s = seconds % 60
    return "\(h):" + (m < 10 ? "0" : "") + "\(m):" + (s < 10 ? "0" : "") + "\(s)"
}
