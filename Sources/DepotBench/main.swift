// Depot's benchmark executable (Scripts/bench runs it beside numpy).
//
//   DepotBench OUTPUT_DIR
//
// Writes the generated inputs to OUTPUT_DIR for the reference to read, times Depot on them,
// writes Depot's results for the reference to compare, and prints one JSON line per measurement.
import DepotCore
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func write<T>(_ values: [T], to url: URL) throws {
    try values.withUnsafeBytes { try Data($0).write(to: url) }
}

func report(_ fields: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: DepotBench OUTPUT_DIR\n".utf8))
    exit(64)
}
let folder = URL(fileURLWithPath: arguments[1])
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let policy = Policy.builtInDefault()
let count = 1_000_000
let rounds = 15

// 1. Business dates: busday_offset(date, n, roll='forward') on the emea calendar.
var setup = Date()
let emea = try policy.region("emea")
let london = BusinessDays(region: emea)
let buildDays = Date().timeIntervalSince(setup)
var rng = SplitMix64(seed: 2026)
guard let first = LocalDate(year: 2000, month: 1, day: 1), let last = LocalDate(year: 2049, month: 12, day: 31),
    let start = Instant(iso: "2020-01-01T00:00:00Z")
else { fatalError("the benchmark's fixed dates are valid") }
let firstDay = Int32(first.dayNumber)
let span = UInt64(last.dayNumber) - UInt64(firstDay)
let days = (0..<count).map { _ in firstDay + Int32(rng.next() % span) }
let offsets = (0..<count).map { _ in Int32(rng.next() % 501) - 250 }
var results = [Int32](repeating: 0, count: count)
let holidayDates = emea.centres[0].holidays.closedDays(years: BusinessClock.firstYear...BusinessClock.lastYear).sorted()
try write(days, to: folder.appendingPathComponent("busday-dates.i32"))
try write(offsets, to: folder.appendingPathComponent("busday-offsets.i32"))
try holidayDates.map { LocalDate(dayNumber: $0).description }.joined(separator: "\n")
    .write(to: folder.appendingPathComponent("emea-holidays.txt"), atomically: true, encoding: .utf8)

var best = Double.infinity
for _ in 0..<rounds {
    let t = days.withUnsafeBufferPointer { d in
        offsets.withUnsafeBufferPointer { n in
            results.withUnsafeMutableBufferPointer { out in seconds { london.offsets(days: d, by: n, into: out) } }
        }
    }
    best = min(best, t)
}
try write(results, to: folder.appendingPathComponent("busday-depot.i32"))
report([
    "measure": "busday_offset", "implementation": "depot", "count": count, "seconds": best,
    "perSecond": Double(count) / best, "setupSeconds": buildDays,
])

// 2. Business-hour deadlines in the two-centre americas region.
setup = Date()
let americas = try policy.clock(for: "americas")
let buildClock = Date().timeIntervalSince(setup)
let base = start.secondsSinceEpoch
let starts = (0..<count).map { _ in base + Int64(rng.next() % (10 * 365 * 86_400)) }
let amounts = (0..<count).map { _ in Int64(rng.next() % (5 * 13 * 3600)) + 1 }
var deadlines = [Int64](repeating: 0, count: count)
best = .infinity
for _ in 0..<rounds {
    let t = try seconds {
        for i in 0..<count { deadlines[i] = try americas.add(businessSeconds: amounts[i], to: starts[i]) }
    }
    best = min(best, t)
}
report([
    "measure": "business_hours", "implementation": "depot", "count": count, "seconds": best,
    "perSecond": Double(count) / best, "setupSeconds": buildClock,
    "checksum": deadlines.reduce(0, &+),
])
