import DepotCore
import DepotStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers due notifications to their webhook endpoints (Foundation's URLSession, libcurl on Linux): at least
/// once, each request carrying `Idempotency-Key` (the notification's key, the same on every attempt) so a receiver
/// that honours it acts once, and signed with the endpoint's secret.
///
/// Several servers deliver from one database: a worker claims the notifications it sends with a lease (a claim
/// passes over those another worker holds), a few at a time as its requests finish, so no lock is held across an
/// HTTP call and two workers never send one notification at once. A worker that dies leaves its claims to the others
/// when their lease runs out: two request timeouts and five seconds (a claim is sent at once, within a timeout).
public struct WebhookDeliverer: Sendable {
    let database: DepotDatabase
    let policy: DeliveryPolicy
    let clock: any DepotClock
    private let session: URLSession
    /// This worker's name on its leases: host, process and a random part.
    let worker: String

    public init(
        database: DepotDatabase, policy: DeliveryPolicy = DeliveryPolicy(), clock: any DepotClock = WallClock()
    ) {
        self.database = database
        self.policy = policy
        self.clock = clock
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = policy.timeout
        configuration.timeoutIntervalForResource = policy.timeout
        configuration.httpMaximumConnectionsPerHost = policy.concurrency
        session = URLSession(configuration: configuration)
        worker = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    /// How long a claim lasts: a worker claims only as many as it has free requests, so a claimed notification is
    /// sent at once and its outcome recorded within one request timeout; the lease is twice that and five seconds.
    var leaseSeconds: Int64 { Int64((policy.timeout * 2).rounded(.up)) + 5 }

    private func claim(_ count: Int, id: Int64? = nil) async throws(DepotError) -> [QueuedNotification] {
        let (now, worker) = (clock.now, worker)
        let until = now.adding(seconds: leaseSeconds)
        return try await database.offload { database throws(DepotError) in
            try database.claimNotifications(now: now, limit: count, worker: worker, until: until, id: id)
        }
    }

    /// Gives back the claims of notifications this worker will not attempt now (it is stopping).
    private func release(_ ids: [Int64]) async {
        let worker = worker
        _ = try? await database.offload { database throws(DepotError) in try database.releaseNotifications(worker: worker, ids: ids) }
    }

    /// One round: the notifications due now that no other worker holds (at most `limit`), `concurrency` at a time,
    /// claimed as requests finish. Cancelled (a shutdown), it starts no further delivery and the requests in flight
    /// stop; those notifications stay due as they were, their claims given back.
    public func deliverDue(limit: Int = 200) async throws(DepotError) -> DeliveryReport {
        var queue = try await claim(min(policy.concurrency, limit))
        var claimed = queue.count
        var report = DeliveryReport()
        var claimFailure: DepotError?
        var stopped: [Int64] = []
        await withTaskGroup(of: (Int64, Outcome).self) { group in
            var running = 0
            while true {
                while running < policy.concurrency, !Task.isCancelled {
                    if queue.isEmpty && claimed < limit && claimFailure == nil {
                        do throws(DepotError) {
                            queue = try await claim(min(policy.concurrency - running, limit - claimed))
                            claimed += queue.count
                        } catch {
                            claimFailure = error
                        }
                    }
                    guard !queue.isEmpty else { break }
                    let n = queue.removeFirst()
                    group.addTask { (n.id, await self.deliver(n)) }
                    running += 1
                }
                guard running > 0, let (id, outcome) = await group.next() else { break }
                running -= 1
                switch outcome {
                case .delivered: report.delivered += 1
                case .retrying: report.retrying += 1
                case .dead: report.dead += 1
                case .waiting: report.waiting += 1
                case .stopped: stopped.append(id)
                }
            }
        }
        await release(queue.map(\.id) + stopped)
        if let claimFailure, report == DeliveryReport() { throw claimFailure }
        return report
    }

    /// One attempt for the notification `id` now, due or not (what `depot notify test` does with the
    /// notification it queued, leaving the rest of the queue to the worker); none when another worker holds it.
    public func deliver(id: Int64) async throws(DepotError) -> QueuedNotification {
        if let n = try await claim(1, id: id).first, await deliver(n) == .stopped { await release([n.id]) }
        return try await database.offload { database throws(DepotError) in try database.notification(id) }
    }

    /// What became of one attempt; `stopped`: cut short by a shutdown, not an attempt (its claim is given back).
    enum Outcome: Sendable { case delivered, retrying, dead, waiting, stopped }

    /// One attempt for one notification, its outcome recorded.
    func deliver(_ n: QueuedNotification) async -> Outcome {
        let started = clock.now
        let giveUpAt = Instant(secondsSinceEpoch: (n.retriedAt ?? n.createdAt).secondsSinceEpoch + policy.giveUpAfter)
        do {
            let found = try await database.offload { database throws(DepotError) -> (DeliveryRoute, String, String?)? in
                guard let route = try database.route(for: n) else { return nil }
                return (route, try route.secret(keyOf: database), try database.deliveredPayload(n, now: started))
            }
            if let (_, _, payload) = found, payload == nil {
                // A survey invitation whose link expired before it could be sent: sending it would only disappoint.
                return try await failed(
                    n, error: "the survey link expired before it could be sent", retryAt: started.adding(seconds: 1), giveUpAt: started,
                    else: .dead)
            }
            guard let (route, secret, delivered) = found, let payload = delivered else {
                let retryAt = Instant(secondsSinceEpoch: started.secondsSinceEpoch + 60)
                return try await failed(
                    n, error: "no endpoint for \(n.target.rawValue)", retryAt: retryAt, giveUpAt: giveUpAt, else: .waiting)
            }
            let body = Self.body(n, payload: payload, format: route.format)
            let timestamp = started.secondsSinceEpoch
            guard let url = URL(string: route.url) else {
                let retryAt = Instant(secondsSinceEpoch: started.secondsSinceEpoch + 60)
                return try await failed(
                    n, error: "the endpoint's URL \(route.url) cannot be read", retryAt: retryAt, giveUpAt: giveUpAt, else: .waiting)
            }
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: policy.timeout)
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(n.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
            request.setValue(String(timestamp), forHTTPHeaderField: "X-Depot-Timestamp")
            request.setValue(
                WebhookSignature.sign(secret: secret, timestamp: timestamp, body: body), forHTTPHeaderField: "X-Depot-Signature")
            request.setValue("Depot", forHTTPHeaderField: "User-Agent")
            let status: Int
            let retryAfter: String?
            do {
                let http = try await send(request)
                status = http?.statusCode ?? 0
                retryAfter = http?.value(forHTTPHeaderField: "Retry-After")
            } catch {
                // Stopped by a shutdown: not an attempt that failed; the notification stays due and goes out next time
                // (a receiver that saw part of it recognises it by its Idempotency-Key).
                if Task.isCancelled { return .stopped }
                return try await failed(n, error: "request failed: \(Self.describe(error))", retryAt: backoff(n), giveUpAt: giveUpAt)
            }
            switch status {
            case 200..<300:
                let at = clock.now
                try await database.offload { database throws(DepotError) in try database.markDelivered(n.id, at: at) }
                return .delivered
            case 429:
                let wait = retryAfter.flatMap { DeliveryPolicy.seconds(retryAfter: $0, now: clock.now) }
                let retryAt = wait.map { Instant(secondsSinceEpoch: clock.now.secondsSinceEpoch + $0) } ?? backoff(n)
                return try await failed(n, error: "HTTP 429", retryAt: retryAt, giveUpAt: giveUpAt)
            case 408, 500..<600:
                return try await failed(n, error: "HTTP \(status)", retryAt: backoff(n), giveUpAt: giveUpAt)
            default:
                // The receiver refuses the request itself (a wrong secret, a gone URL): not retried; `depot notify retry` after a fix.
                return try await failed(n, error: "HTTP \(status) (not retried)", retryAt: giveUpAt.adding(seconds: 1), giveUpAt: giveUpAt)
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

    /// Records a failed attempt: dead when the next attempt would come after the give-up time, else `outcome`.
    private func failed(
        _ n: QueuedNotification, error: String, retryAt: Instant, giveUpAt: Instant, else outcome: Outcome = .retrying
    ) async throws(DepotError) -> Outcome {
        let worker = worker
        try await database.offload { database throws(DepotError) in
            try database.markFailed(n.id, error: error, retryAt: retryAt, giveUpAt: giveUpAt, worker: worker)
        }
        return retryAt > giveUpAt ? .dead : outcome
    }

    /// The next attempt's time under the policy.
    func backoff(_ n: QueuedNotification) -> Instant { policy.backoff(attempts: n.attempts, now: clock.now) }

    /// The request body: the event's `payload` as delivered (`DepotDatabase.deliveredPayload`), or Slack's
    /// `{"text": ...}` of it.
    static func body(_ n: QueuedNotification, payload: String, format: PayloadFormat) -> Data {
        switch format {
        case .json: return Data(payload.utf8)
        case .slack:
            let fields = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
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
