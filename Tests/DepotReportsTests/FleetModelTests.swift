import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Testing

/// Model-based (stateful) test of the fleet: seeded random sequences of operations (cases, diagnoses, every RMA
/// step, refurbish and scrap, attachments and retention, contact erasure, customer export) are applied to Depot
/// and to a small reference model (`FleetModel`). After every step Depot must have accepted exactly what the model
/// accepted, agree with the model's units, RMAs and cases, hold the fleet's invariants (`FleetInvariants`), and
/// its reports must agree with the records. On failure the seed and the (shrunk) operation sequence are printed.
///
/// Normal suite: 25 seeds x 200 operations = 5,000 operations; measured 31.2 s of test time on the 2-core build
/// machine (debug build, both cores, checks after every step, reports every 4th), plus about a minute of shrinking
/// per failing seed. The soak run (`Scripts/soak --operations 200000`) sets `DEPOT_SOAK_OPERATIONS` (and optionally
/// `DEPOT_SOAK_SEED`). For debugging: `DEPOT_MODEL_SEED=N` runs one seed, `DEPOT_MODEL_TRACE=1` prints each run's log
/// and timings, `DEPOT_MODEL_NO_SHRINK=1` skips shrinking, `DEPOT_MODEL_KEEP_GOING=1` goes on after a disagreement.
@Suite("Fleet model")
struct FleetModelTests {
    static let seeds: [UInt64] = Array(1...25)
    static let operationsPerSeed = 200

    @Test(
        "random operation sequences: Depot refuses exactly what the model refuses, agrees with it, and keeps the fleet's invariants",
        arguments: seeds)
    func randomSequences(seed: UInt64) throws {
        // DEPOT_MODEL_SEED=N runs only seed N, with the whole run's log in the report (DEPOT_MODEL_TRACE=1 prints it always).
        if let only = ProcessInfo.processInfo.environment["DEPOT_MODEL_SEED"].flatMap(UInt64.init), only != seed { return }
        let outcome = try FleetModelTests.explore(seed: seed, operations: Self.operationsPerSeed)
        if let report = outcome { Issue.record(Comment(rawValue: report)) }
    }

    @Test(
        "soak: DEPOT_SOAK_OPERATIONS operations over consecutive seeds from DEPOT_SOAK_SEED",
        .enabled(if: ProcessInfo.processInfo.environment["DEPOT_SOAK_OPERATIONS"] != nil))
    func soak() throws {
        let environment = ProcessInfo.processInfo.environment
        let total = Int(environment["DEPOT_SOAK_OPERATIONS"] ?? "") ?? 0
        let first = UInt64(environment["DEPOT_SOAK_SEED"] ?? "") ?? 1_000
        let perSeed = 500
        let runs = max(1, (total + perSeed - 1) / perSeed)
        let reports = Reports()
        DispatchQueue.concurrentPerform(iterations: runs) { index in
            do {
                if let report = try FleetModelTests.explore(seed: first + UInt64(index), operations: perSeed) { reports.add(report) }
            } catch {
                reports.add("seed \(first + UInt64(index)): \(error)")
            }
        }
        for report in reports.all { Issue.record(Comment(rawValue: report)) }
    }

    /// Runs `operations` random operations of `seed`; on failure, shrinks the sequence and returns what to print.
    static func explore(seed: UInt64, operations: Int) throws -> String? {
        let run = try FleetModelRun()
        var generator = OperationGenerator(seed: seed)
        var sequence: [Operation] = []
        for _ in 0..<operations where !run.stopped {
            let operation = generator.next(run.model)
            sequence.append(operation)
            run.step = sequence.count
            let t = DispatchTime.now().uptimeNanoseconds
            run.apply(operation)
            run.timings["apply", default: 0] += DispatchTime.now().uptimeNanoseconds - t
            if !run.stopped { run.checkAfterStep() }
        }
        if ProcessInfo.processInfo.environment["DEPOT_MODEL_TRACE"] != nil {
            print("seed \(seed):\n" + run.log.joined(separator: "\n"))
            print("timings (ms): \(run.timings.mapValues { $0 / 1_000_000 })")
        }
        // Shrink the run's fatal failure, else its first finding that a step caused (not one the schema has from the start).
        guard let first = run.failures.first(where: \.fatal) ?? run.failures.first(where: { $0.step > 1 }) ?? run.failures.first else {
            return nil
        }
        if ProcessInfo.processInfo.environment["DEPOT_MODEL_NO_SHRINK"] != nil {
            return "Fleet model: seed \(seed) failed:\n" + run.failures.map { "  " + $0.description }.joined(separator: "\n")
        }
        let failing = Array(sequence.prefix(first.step))
        let shrunk = try shrink(failing, signature: first.signature)
        let replay = try FleetModelRun()
        for (index, operation) in shrunk.enumerated() {
            replay.step = index + 1
            replay.apply(operation)
            if !replay.stopped { replay.checkAfterStep() }
        }
        return """
            Fleet model: seed \(seed) failed (\(run.failures.count) distinct failure\(run.failures.count == 1 ? "" : "s") in \(sequence.count) operations):
            \(run.failures.map { "  " + $0.description }.joined(separator: "\n"))
            First failure shrunk from \(failing.count) to \(shrunk.count) operations:
            \(shrunk.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
            Replayed:
            \(replay.log.map { "  " + $0 }.joined(separator: "\n"))
            """
    }

    /// Delta debugging: drops chunks, then single operations, while the failure (by its signature) persists.
    static func shrink(_ sequence: [Operation], signature: String, budget: Int = 120) throws -> [Operation] {
        var current = sequence
        var attempts = 0
        func fails(_ candidate: [Operation]) throws -> Bool {
            attempts += 1
            let run = try FleetModelRun()
            for (index, operation) in candidate.enumerated() where !run.stopped {
                run.step = index + 1
                run.apply(operation)
                if !run.stopped { run.checkAfterStep() }
                if run.failures.contains(where: { $0.signature == signature }) { return true }
            }
            return false
        }
        var chunk = max(1, current.count / 2)
        while chunk >= 1 && attempts < budget {
            var start = 0
            var removed = false
            while start < current.count && attempts < budget {
                let candidate = Array(current[..<start] + current[min(current.count, start + chunk)...])
                if try !candidate.isEmpty && fails(candidate) {
                    current = candidate
                    removed = true
                } else {
                    start += chunk
                }
            }
            if !removed { chunk /= 2 }
        }
        return current
    }
}

/// Failure reports collected from concurrent runs.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [String] = []

    func add(_ report: String) {
        lock.lock()
        reports.append(report)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return reports
    }
}
