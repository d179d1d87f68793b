import Foundation

/// A bounded queue from a producer thread to a consumer, which takes items blocking (`receive`, on a thread of its
/// own) or suspending (`next`, from a task): `send` waits while `capacity` items wait, so memory stays flat however
/// fast the producer is, and throws once the consumer has gone (`cancel`). The producer ends the stream with
/// `finish`, passing its error if it failed.
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    /// The consumer has gone: the producer stops.
    public struct Cancelled: Error {}

    private let condition = NSCondition()
    private let capacity: Int
    private var items: [Element] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init(capacity: Int) { self.capacity = capacity }

    /// Producer: waits for room, then queues `item`; throws `Cancelled` once the consumer has gone.
    public func send(_ item: Element) throws(Cancelled) {
        condition.lock()
        while items.count >= capacity, !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            throw Cancelled()
        }
        items.append(item)
        let resume = waiter
        waiter = nil
        condition.broadcast()
        condition.unlock()
        resume?.resume()
    }

    /// Producer: no more items; `error` when it failed (the consumer's next read throws it).
    public func finish(_ error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        let resume = waiter
        waiter = nil
        condition.broadcast()
        condition.unlock()
        resume?.resume()
    }

    /// Consumer: it stops early; the producer's next `send` throws.
    public func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer, blocking its thread: the next item, `nil` at the end, the producer's error if it failed.
    public func receive() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !finished { condition.wait() }
        return try take()
    }

    /// Consumer, suspending its task: the next item, `nil` at the end, the producer's error if it failed.
    public func next() async throws -> Element? {
        while true {
            if let outcome = try poll() { return outcome }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if !wait(continuation) { continuation.resume() }
            }
        }
    }

    /// An item (`.some(item)`), the end (`.some(nil)`), or nothing yet (`nil`).
    private func poll() throws -> Element?? {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !finished { return nil }
        return .some(try take())
    }

    /// The first item or the end; called with the lock held and something to report.
    private func take() throws -> Element? {
        if !items.isEmpty {
            condition.broadcast()
            return items.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Registers the consumer to be woken by the next item or the end; `false` when one is there already.
    private func wait(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !items.isEmpty || finished { return false }
        waiter = continuation
        return true
    }
}
