import DepotCore
import DepotStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How the worker delivers: request timeout, backoff and when it gives up.
public struct DeliveryPolicy: Sendable {
    /// Seconds a receiver may take to answer.
    public var timeout: TimeInterval = 10
    /// Seconds after queuing (or a manual retry) after which a notification that still fails is dead.
    public var giveUpAfter: Int64 = 24 * 3600
    /// The first retry's delay in seconds; each further retry doubles it, up to `maxDelay`; each is jittered.
    public var baseDelay: Int64 = 5
    public var maxDelay: Int64 = 3600
    /// Requests in flight at once (a receiver that hangs holds one of them until its timeout).
    public var concurrency = 4

    public init() {}
}

/// What one round of delivery did.
public struct DeliveryReport: Sendable, Equatable, Encodable {
    public var delivered = 0
    public var retrying = 0
    public var dead = 0
    public var waiting = 0

    public init(delivered: Int = 0, retrying: Int = 0, dead: Int = 0, waiting: Int = 0) {
        self.delivered = delivered
        self.retrying = retrying
        self.dead = dead
        self.waiting = waiting
    }
}

/// Delivers due notifications to their webhook endpoints (Foundation's URLSession, libcurl on Linux): at least
/// once, each request carrying `Idempotency-Key` (the notification's key, the same on every attempt) so a receiver
/// that honours it acts once, and signed with the endpoint's secret.
public struct WebhookDeliverer: Sendable {
    let database: DepotDatabase
    let policy: DeliveryPolicy
    let now: @Sendable () -> Instant
    private let session: URLSession

    public init(
        database: DepotDatabase, policy: DeliveryPolicy = DeliveryPolicy(), now: @escaping @Sendable () -> Instant = { Instant(Date()) }
    ) {
        self.database = database
        self.policy = policy
        self.now = now
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = policy.timeout
        configuration.timeoutIntervalForResource = policy.timeout
        configuration.httpMaximumConnectionsPerHost = policy.concurrency
        session = URLSession(configuration: configuration)
    }

    /// One round: every notification due now (at most `limit`), `concurrency` at a time.
    public func deliverDue(limit: Int = 200) async throws(DepotError) -> DeliveryReport {
        let due = try database.dueNotifications(now: now(), limit: limit)
        var report = DeliveryReport()
        await withTaskGroup(of: Outcome.self) { group in
            var next = due.makeIterator()
            for _ in 0..<policy.concurrency {
                guard let n = next.next() else { break }
                group.addTask { await self.deliver(n) }
            }
            for await outcome in group {
                switch outcome {
                case .delivered: report.delivered += 1
                case .retrying: report.retrying += 1
                case .dead: report.dead += 1
                case .waiting: report.waiting += 1
                }
                if let n = next.next() { group.addTask { await self.deliver(n) } }
            }
        }
        return report
    }

    /// One attempt for the notification `id` now, due or not (what `depot notify test` does with the
    /// notification it queued, leaving the rest of the queue to the worker).
    public func deliver(id: Int64) async throws(DepotError) -> QueuedNotification {
        _ = await deliver(try database.notification(id))
        return try database.notification(id)
    }

    enum Outcome: Sendable { case delivered, retrying, dead, waiting }

    /// One attempt for one notification, its outcome recorded.
    func deliver(_ n: QueuedNotification) async -> Outcome {
        let started = now()
        let giveUpAt = Instant(secondsSinceEpoch: (n.retriedAt ?? n.createdAt).secondsSinceEpoch + policy.giveUpAfter)
        do {
            guard let route = try database.route(for: n) else {
                let retryAt = Instant(secondsSinceEpoch: started.secondsSinceEpoch + 60)
                try database.markFailed(n.id, error: "no endpoint for \(n.target.rawValue)", retryAt: retryAt, giveUpAt: giveUpAt)
                return retryAt > giveUpAt ? .dead : .waiting
            }
            let body = Self.body(n, format: route.format)
            let timestamp = Int64(Date().timeIntervalSince1970)
            guard let url = URL(string: route.url) else {
                let retryAt = Instant(secondsSinceEpoch: started.secondsSinceEpoch + 60)
                try database.markFailed(n.id, error: "the endpoint's URL \(route.url) cannot be read", retryAt: retryAt, giveUpAt: giveUpAt)
                return retryAt > giveUpAt ? .dead : .waiting
            }
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: policy.timeout)
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(n.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
            request.setValue(String(timestamp), forHTTPHeaderField: "X-Depot-Timestamp")
            request.setValue(
                WebhookSignature.sign(secret: route.secret, timestamp: timestamp, body: body), forHTTPHeaderField: "X-Depot-Signature")
            request.setValue("Depot", forHTTPHeaderField: "User-Agent")
            let status: Int
            let retryAfter: String?
            do {
                let http = try await send(request)
                status = http?.statusCode ?? 0
                retryAfter = http?.value(forHTTPHeaderField: "Retry-After")
            } catch {
                return try failed(n, error: "request failed: \(Self.describe(error))", retryAt: backoff(n), giveUpAt: giveUpAt)
            }
            switch status {
            case 200..<300:
                try database.markDelivered(n.id, at: now())
                return .delivered
            case 429:
                let wait = retryAfter.flatMap { Self.seconds(retryAfter: $0, now: now()) }
                let retryAt = wait.map { Instant(secondsSinceEpoch: now().secondsSinceEpoch + $0) } ?? backoff(n)
                return try failed(n, error: "HTTP 429", retryAt: retryAt, giveUpAt: giveUpAt)
            case 408, 500..<600:
                return try failed(n, error: "HTTP \(status)", retryAt: backoff(n), giveUpAt: giveUpAt)
            default:
                // The receiver refuses the request itself (a wrong secret, a gone URL): not retried; `depot notify retry` after a fix.
                try database.markFailed(
                    n.id, error: "HTTP \(status) (not retried)", retryAt: giveUpAt.adding(seconds: 1), giveUpAt: giveUpAt)
                return .dead
            }
        } catch {
            return .waiting
        }
    }

    /// POSTs `request` and returns the answer. Cancelling the calling task cancels the request from another
    /// thread: FoundationNetworking's `URLSessionTask.cancel()` waits for the session's queue, and that queue may at
    /// that moment be resuming this request's continuation, which needs the task-status lock that a cancellation
    /// handler runs under: `session.data(for:)` cancelled at the wrong moment deadlocked (seen when `depot serve`'s
    /// worker was cancelled mid-delivery in a test).
    private func send(_ request: URLRequest) async throws -> HTTPURLResponse? {
        let running = RunningRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPURLResponse?, any Error>) in
                let task = session.dataTask(with: request) { _, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume(returning: response as? HTTPURLResponse)
                    }
                }
                running.start(task)
            }
        } onCancel: {
            DispatchQueue.global().async { running.cancel() }
        }
    }

    private func failed(_ n: QueuedNotification, error: String, retryAt: Instant, giveUpAt: Instant) throws(DepotError) -> Outcome {
        try database.markFailed(n.id, error: error, retryAt: retryAt, giveUpAt: giveUpAt)
        return retryAt > giveUpAt ? .dead : .retrying
    }

    /// The next attempt's time: `baseDelay` doubled per attempt so far, at most `maxDelay`, between half and all of it.
    func backoff(_ n: QueuedNotification) -> Instant {
        let delay = min(policy.maxDelay, policy.baseDelay << min(Int64(n.attempts), 30))
        let jittered = delay / 2 + Int64.random(in: 0...max(0, delay - delay / 2))
        return Instant(secondsSinceEpoch: now().secondsSinceEpoch + max(1, jittered))
    }

    /// `Retry-After` as seconds from now: a number of seconds or an HTTP date.
    static func seconds(retryAfter: String, now: Instant) -> Int64? {
        if let seconds = Int64(retryAfter.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: retryAfter) else { return nil }
        return max(0, Instant(date).secondsSinceEpoch - now.secondsSinceEpoch)
    }

    /// The request body: the event as queued, or Slack's `{"text": ...}`.
    static func body(_ n: QueuedNotification, format: PayloadFormat) -> Data {
        switch format {
        case .json: return Data(n.payload.utf8)
        case .slack:
            let fields = (try? JSONSerialization.jsonObject(with: Data(n.payload.utf8))) as? [String: Any] ?? [:]
            let details = fields.keys.filter { !["event", "target", "subject", "at"].contains($0) }.sorted()
                .compactMap { key in (fields[key] as? String).map { "\(key): \($0)" } }
            let text = "Depot \(n.event): \(n.subject)" + (details.isEmpty ? "" : " (" + details.joined(separator: ", ") + ")")
            return (try? JSONSerialization.data(withJSONObject: ["text": text], options: [.sortedKeys])) ?? Data()
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? URLError {
            return error.code == .timedOut
                ? "timed out"
                : error.code == .cannotConnectToHost ? "connection refused" : "\(error.code.rawValue) \(error.localizedDescription)"
        }
        return String(describing: error)
    }
}

extension Instant {
    func adding(seconds: Int64) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + seconds) }
}

/// The one request of a `send`, cancelled before or after it starts.
private final class RunningRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        let cancelNow = cancelled
        lock.unlock()
        task.resume()
        if cancelNow { task.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = task
        lock.unlock()
        task?.cancel()
    }
}
