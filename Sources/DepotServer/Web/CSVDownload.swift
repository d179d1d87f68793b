import DepotCore
import DepotReports
import DepotStore
import Foundation
import Hummingbird

/// A report as a CSV download, streamed: the report runs on the thread pool and hands its 64 KiB buffers
/// over one at a time, with at most a few waiting, so a large report never sits whole in memory and a
/// client that goes away stops the query.
enum CSVDownload {
    static func response(_ report: Report, parameters: ReportParameters, database: DepotDatabase) throws -> Response {
        // Bad parameters are refused before the 200 goes out.
        if let region = parameters.region { _ = try database.policy.region(region) }
        let body = ResponseBody { writer in
            let handoff = Handoff(capacity: 4)
            let producer = Task {
                do {
                    try await Blocking.run {
                        try database.write(
                            report, parameters: parameters,
                            to: CSVWriter(name: report.name) { bytes in try handoff.send(ByteBuffer(bytes: bytes)) })
                    }
                    handoff.finish(nil)
                } catch {
                    handoff.finish(error)
                }
            }
            defer {
                handoff.cancel()
                producer.cancel()
            }
            while let chunk = try await handoff.next() {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(report.name).csv\""],
            body: body)
    }
}

/// Chunks from a blocking producer thread to an async consumer: `send` blocks while `capacity` chunks
/// wait, and throws once the consumer has gone.
final class Handoff: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var queue: [ByteBuffer] = []
    private var done = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<Void, Never>?

    struct Cancelled: Error {}

    init(capacity: Int) { self.capacity = capacity }

    /// Called by the producer: waits for room, then queues the chunk.
    func send(_ chunk: ByteBuffer) throws {
        condition.lock()
        while queue.count >= capacity, !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            throw Cancelled()
        }
        queue.append(chunk)
        let resume = waiter
        waiter = nil
        condition.unlock()
        resume?.resume()
    }

    /// Called by the producer at the end, with its error if it failed.
    func finish(_ error: (any Error)?) {
        condition.lock()
        done = true
        failure = error
        let resume = waiter
        waiter = nil
        condition.unlock()
        resume?.resume()
    }

    /// Called by the consumer when it stops early: the producer's next `send` throws.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk; `nil` at the end; the producer's error if it failed.
    func next() async throws -> ByteBuffer? {
        while true {
            if let outcome = try poll() { return outcome }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if !wait(continuation) { continuation.resume() }
            }
        }
    }

    /// A chunk (`.some(chunk)`), the end (`.some(nil)`), or nothing yet (`nil`).
    private func poll() throws -> ByteBuffer?? {
        condition.lock()
        defer { condition.unlock() }
        if !queue.isEmpty {
            condition.signal()
            return .some(queue.removeFirst())
        }
        guard done else { return nil }
        if let failure { throw failure }
        return .some(nil)
    }

    /// Registers the consumer to be woken by the next chunk or the end; `false` when one is there already.
    private func wait(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !queue.isEmpty || done { return false }
        waiter = continuation
        return true
    }
}
