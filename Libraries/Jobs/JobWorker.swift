#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a handler over one queue: the consumer service every worker process (and the embedded mode) runs.
///
/// `run()` heartbeats its consumers, runs a reaper (reclaim dead consumers' messages, promote due retries)
/// every `reaperInterval`, and `concurrency` consumer loops. Each loop has its own consumer id and
/// processing list (`consumerID` when `concurrency == 1`, else `consumerID-<n>`), so a loop can always put
/// back what it holds but is not handling: on start and after any connection error.
///
/// Outcomes: success → `succeeded`, acknowledge. `JobFailure.permanent` → `failed(deadLettered: false)`,
/// acknowledge. Any other error → `willRetry` and a delayed retry, until `retry.maxAttempts` deliveries,
/// then dead letter and `failed(deadLettered: true)`.
///
/// A message whose deliveries died with their consumer `retry.maxAttempts - 1` times (at least once; with the
/// default 3 attempts: twice — a poison message, or a worker killed twice while holding it) runs alone: the
/// process's other loops finish what they hold and take nothing until it is done, so if it kills the process
/// again it takes no other message's attempt with it. A neighbour can die beside a poison message at most
/// `maxAttempts - 1` times, so it is never dead-lettered for it (before, one taken beside it at all 3 deaths
/// would have been). Messages killed once are not held back, so redelivery after one kill stays as fast.
/// One such message at a time: a loop that takes a second one while another runs alone gives it back to
/// the queue, and so does one that is still waiting for its siblings when shutdown begins.
///
/// Graceful shutdown (`ServiceGroup` on SIGTERM, or `gracefulShutdown()`): the loops stop taking messages at
/// once; a handler in flight gets `gracePeriod` to finish, after which it is cancelled and its message
/// requeued at the head (attempt unchanged); then `run()` returns. Set the group's
/// `maximumGracefulShutdownDuration` above `gracePeriod + pollTimeout`.
public struct JobWorker: Service {
    public let driver: any JobQueueDriver
    public let queue: QueueName
    public let consumerID: String
    public let concurrency: Int
    public let retry: RetryPolicy
    public let heartbeatTTL: Duration
    public let pollTimeout: Duration
    public let gracePeriod: Duration
    public let reaperInterval: Duration
    public let hooks: any JobHooks
    public let logger: Logger
    public let handler: @Sendable (JobMessage) async throws -> Void
    /// Called once the consumers are registered and about to take messages (the probe prints "ready").
    public var onReady: (@Sendable () -> Void)?

    public init(
        driver: any JobQueueDriver,
        queue: QueueName,
        consumerID: String = JobWorker.defaultConsumerID(),
        concurrency: Int = 1,
        retry: RetryPolicy = .init(),
        heartbeatTTL: Duration = .seconds(5),
        pollTimeout: Duration = .seconds(1),
        gracePeriod: Duration = .seconds(6),
        reaperInterval: Duration = .seconds(1),
        hooks: any JobHooks = NoHooks(),
        logger: Logger,
        handler: @escaping @Sendable (JobMessage) async throws -> Void
    ) {
        self.driver = driver
        self.queue = queue
        self.consumerID = consumerID
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.heartbeatTTL = heartbeatTTL
        self.pollTimeout = pollTimeout
        self.gracePeriod = gracePeriod
        self.reaperInterval = reaperInterval
        self.hooks = hooks
        self.logger = logger
        self.handler = handler
    }

    /// `<host>-<pid>-<random>`: unique per process, readable in `redis-cli`.
    public static func defaultConsumerID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(getpid())-\(random)"
    }

    /// The consumer ids of the loops.
    public var consumerIDs: [String] {
        concurrency == 1 ? [consumerID] : (0..<concurrency).map { "\(consumerID)-\($0)" }
    }

    public func run() async throws {
        let signal = ShutdownSignal()
        let gate = IsolationGate()
        let logger = {
            var logger = self.logger
            logger[metadataKey: "queue"] = "\(queue)"
            return logger
        }()
        let consumers = consumerIDs
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { background in
                await heartbeat(consumers, logger: logger)
                background.addTask { await heartbeatLoop(consumers, logger: logger) }
                background.addTask { await reaperLoop(logger: logger) }
                onReady?()
                logger.info("worker started", metadata: ["consumer": "\(consumerID)", "concurrency": "\(concurrency)"])
                await withTaskGroup(of: Void.self) { loops in
                    for consumer in consumers {
                        var loopLogger = logger
                        loopLogger[metadataKey: "consumer"] = "\(consumer)"
                        loops.addTask { [loopLogger] in
                            await consumeLoop(consumer: consumer, signal: signal, gate: gate, logger: loopLogger)
                        }
                    }
                }
                background.cancelAll()
            }
            logger.info("worker stopped", metadata: ["consumer": "\(consumerID)"])
        } onGracefulShutdown: {
            signal.trigger()
        }
        try Task.checkCancellation()
    }

    // MARK: Consumer loop

    private func consumeLoop(consumer: String, signal: ShutdownSignal, gate: IsolationGate, logger: Logger) async {
        var needsRecovery = true
        var backoff = Backoff()
        while !signal.isTriggered && !Task.isCancelled {
            if needsRecovery {
                do {
                    let recovered = try await driver.recoverUnacknowledged(queue: queue, consumer: consumer)
                    if recovered > 0 {
                        logger.info("returned unhandled messages from the processing list", metadata: ["count": "\(recovered)"])
                    }
                    needsRecovery = false
                } catch {
                    logger.warning("cannot recover the processing list; retrying", metadata: ["error": "\(error)"])
                    await backoff.wait()
                    continue
                }
            }
            // Take nothing while a sibling loop runs a message alone.
            guard await gate.enter(signal) else { break }
            defer { gate.leave() }
            let delivery: Delivery?
            do {
                delivery = try await driver.pop(from: queue, consumer: consumer, timeout: pollTimeout)
                backoff.reset()
            } catch {
                if Task.isCancelled { break }
                logger.warning("taking a message failed; retrying", metadata: ["error": "\(error)"])
                needsRecovery = true
                await backoff.wait()
                continue
            }
            guard let delivery else { continue }
            CrashPoint.taken(jobID: delivery.message.id)
            if signal.isTriggered || Task.isCancelled {
                // Taken while stopping: give it straight back.
                if await !settle("requeue", delivery, logger: logger, { try await driver.requeue(delivery) }) {
                    needsRecovery = true
                }
                break
            }
            if delivery.message.crashes >= max(1, retry.maxAttempts - 1) && concurrency > 1 {
                guard await gate.isolate(signal) else {
                    // Another loop runs a message alone, or shutdown began: hand this one back (to the head).
                    if await !settle("requeue", delivery, logger: logger, { try await driver.requeue(delivery) }) {
                        needsRecovery = true
                    }
                    continue
                }
                logger.info("running alone a message whose delivery died with its consumer",
                            metadata: ["job.id": "\(delivery.message.id)", "job.crashes": "\(delivery.message.crashes)"])
                if await !handle(delivery, signal: signal, logger: logger) { needsRecovery = true }
                gate.endIsolation()
                continue
            }
            if await !handle(delivery, signal: signal, logger: logger) { needsRecovery = true }
        }
    }

    private enum Outcome: Sendable {
        case succeeded
        case failed(any Error)
        case abandoned
    }

    /// Runs the handler and settles the delivery. Returns false when settling failed (the message is still
    /// in the processing list: the loop recovers it before taking another).
    private func handle(_ delivery: Delivery, signal: ShutdownSignal, logger: Logger) async -> Bool {
        let message = delivery.message
        var logger = logger
        logger[metadataKey: "job.id"] = "\(message.id)"
        logger[metadataKey: "job.type"] = "\(message.type)"
        logger[metadataKey: "job.attempt"] = "\(message.attempt)"
        if let requestID = message.requestID { logger[metadataKey: "request.id"] = "\(requestID)" }

        logger.debug("job started")
        await hooks.started(message, queue: queue)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await runHandler(message, signal: signal)
        let elapsed = clock.now - start
        recordMetrics(message, outcome: outcome, elapsed: elapsed)
        logger[metadataKey: "job.duration_ms"] = "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"

        switch outcome {
        case .abandoned:
            logger.info("job interrupted by shutdown; returning it to the queue")
            return await settle("requeue", delivery, logger: logger) { try await driver.requeue(delivery) }
        case .succeeded:
            logger.info("job succeeded")
            await hooks.succeeded(message, queue: queue)
            return await settle("acknowledge", delivery, logger: logger) { try await driver.acknowledge(delivery) }
        case .failed(let error):
            let text = (error as? JobFailure)?.message ?? "\(error)"
            if let failure = error as? JobFailure, failure.isPermanent {
                logger.info("job failed permanently", metadata: ["error": "\(text)"])
                await hooks.failed(message, queue: queue, error: text, deadLettered: false)
                return await settle("acknowledge", delivery, logger: logger) { try await driver.acknowledge(delivery) }
            }
            let outage = (error as? JobFailure)?.isOutage == true
            if outage || retry.allowsRetry(afterAttempt: message.attempt) {
                let delay = retry.delay(afterAttempt: message.attempt)
                logger.info(
                    outage ? "job hit an outage; will retry without spending an attempt" : "job failed; will retry",
                    metadata: ["error": "\(text)", "retry.delay": "\(delay)"])
                await hooks.willRetry(message, queue: queue, error: text, delay: delay)
                return await settle("retry", delivery, logger: logger) {
                    try await driver.retryLater(delivery, delay: delay, error: text, countsAsAttempt: !outage)
                }
            }
            logger.info("job failed; attempts exhausted, dead-lettered", metadata: ["error": "\(text)"])
            await hooks.failed(message, queue: queue, error: text, deadLettered: true)
            return await settle("dead-letter", delivery, logger: logger) { try await driver.deadLetter(delivery, error: text) }
        }
    }

    /// The handler races the shutdown grace period: once shutdown is triggered, the handler has
    /// `gracePeriod` left, then it is cancelled and the job counts as abandoned.
    private func runHandler(_ message: JobMessage, signal: ShutdownSignal) async -> Outcome {
        let handler = self.handler
        let gracePeriod = self.gracePeriod
        let outcome: Outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await handler(message)
                    return .succeeded
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                await signal.wait()
                guard !Task.isCancelled else { return nil }
                try? await Task.sleep(for: gracePeriod)
                return Task.isCancelled ? nil : .abandoned
            }
            var result: Outcome = .abandoned
            while let next = await group.next() {
                guard let next else { continue }  // the timer ended without firing
                result = next
                group.cancelAll()
                if case .abandoned = next {
                    // The handler was cancelled; wait for it to return before settling.
                    while await group.next() != nil {}
                }
                break
            }
            return result
        }
        // Cancelled from outside (not a graceful shutdown): whatever the handler said, hand the job back
        // unless it finished.
        if Task.isCancelled, case .failed = outcome { return .abandoned }
        return outcome
    }

    /// Runs a settling operation, retrying failures with backoff (about 40 s in all). It runs in its own
    /// unstructured task, which the worker's cancellation does not reach, so a message is still returned.
    private func settle(
        _ what: String, _ delivery: Delivery, logger: Logger, _ operation: @escaping @Sendable () async throws -> Void
    ) async -> Bool {
        await Task {
            var backoff = Backoff()
            for attempt in 1...12 {
                do {
                    try await operation()
                    return true
                } catch {
                    logger.warning("\(what) failed", metadata: ["error": "\(error)", "try": "\(attempt)"])
                    await backoff.wait()
                }
            }
            logger.error("\(what) failed repeatedly; the message stays in the processing list")
            return false
        }.value
    }

    // MARK: Heartbeat and reaper

    private func heartbeat(_ consumers: [String], logger: Logger) async {
        for consumer in consumers {
            do {
                try await driver.heartbeat(consumer: consumer, queue: queue, ttl: heartbeatTTL)
            } catch {
                logger.warning("heartbeat failed", metadata: ["consumer": "\(consumer)", "error": "\(error)"])
            }
        }
    }

    private func heartbeatLoop(_ consumers: [String], logger: Logger) async {
        let interval = heartbeatTTL / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            await heartbeat(consumers, logger: logger)
        }
    }

    private func reaperLoop(logger: Logger) async {
        while !Task.isCancelled {
            await reap(logger: logger)
            try? await Task.sleep(for: reaperInterval)
        }
    }

    private func reap(logger: Logger) async {
        do {
            let result = try await driver.reclaim(queue: queue, maxAttempts: retry.maxAttempts)
            if result.requeued > 0 {
                logger.info("reclaimed messages of dead consumers", metadata: ["count": "\(result.requeued)"])
            }
            for dead in result.deadLettered {
                logger.info(
                    "message dead-lettered after its deliveries kept dying",
                    metadata: ["job.id": "\(dead.message.id)", "job.type": "\(dead.message.type)", "job.attempt": "\(dead.message.attempt)"])
                await hooks.failed(dead.message, queue: queue, error: dead.error, deadLettered: true)
            }
            let promoted = try await driver.promoteDueRetries(queue: queue)
            if promoted > 0 { logger.debug("promoted due retries", metadata: ["count": "\(promoted)"]) }
        } catch {
            if Task.isCancelled { return }
            logger.warning("reaper pass failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Capped exponential backoff for error loops: 100 ms, 200 ms … 5 s.
private struct Backoff {
    private var next: Duration = .milliseconds(100)
    mutating func reset() { next = .milliseconds(100) }
    mutating func wait() async {
        let delay = next
        next = min(next * 2, .seconds(5))
        try? await Task.sleep(for: delay)
    }
}

/// Lets one consumer loop of a worker run a message alone. Every loop is inside (`enter` … `leave`) while it
/// takes and handles a message; `isolate()` (from inside) keeps new entrants out and waits until the caller
/// is the only loop inside. Waits poll every 20 ms: isolation is rare (a delivery died with its consumer).
final class IsolationGate: Sendable {
    private struct State {
        var inside = 0
        var isolating = false
    }
    private let state = Mutex(State())

    /// Waits while a loop runs alone; false when shutdown was triggered meanwhile (the loop should stop).
    func enter(_ signal: ShutdownSignal) async -> Bool {
        while true {
            let entered = state.withLock { state -> Bool in
                guard !state.isolating else { return false }
                state.inside += 1
                return true
            }
            if entered { return true }
            if signal.isTriggered || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func leave() {
        state.withLock { $0.inside -= 1 }
    }

    /// From inside: true once the caller is the only loop inside and no other can enter, until
    /// `endIsolation()`; false at once when another loop is already isolating, and false (isolation ended)
    /// when shutdown begins while the others are still finishing.
    func isolate(_ signal: ShutdownSignal) async -> Bool {
        let granted = state.withLock { state -> Bool in
            guard !state.isolating else { return false }
            state.isolating = true
            return true
        }
        guard granted else { return false }
        // The others finish what they hold (a blocking take returns within the poll timeout).
        while state.withLock({ $0.inside }) > 1 {
            if signal.isTriggered || Task.isCancelled {
                endIsolation()
                return false
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    func endIsolation() {
        state.withLock { $0.isolating = false }
    }
}

/// A one-shot signal: `trigger()` once, `wait()` from anywhere (returns at once after the trigger, or on
/// cancellation).
final class ShutdownSignal: Sendable {
    private struct State {
        var triggered = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    var isTriggered: Bool { state.withLock { $0.triggered } }

    func trigger() {
        let waiters = state.withLock { state in
            state.triggered = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.triggered || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

extension JobWorker {
    /// `almanac_jobs_total` and `almanac_job_duration_seconds` by queue, job type and outcome
    /// (succeeded, failed, retry, dead_lettered, requeued).
    private func recordMetrics(_ message: JobMessage, outcome: Outcome, elapsed: Duration) {
        let label: String
        switch outcome {
        case .succeeded: label = "succeeded"
        case .abandoned: label = "requeued"
        case .failed(let error):
            if let failure = error as? JobFailure, failure.isPermanent {
                label = "failed"
            } else {
                label = retry.allowsRetry(afterAttempt: message.attempt) ? "retry" : "dead_lettered"
            }
        }
        let dimensions = [("queue", queue.rawValue), ("type", message.type), ("outcome", label)]
        Counter(label: "almanac_jobs_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "almanac_job_duration_seconds", dimensions: dimensions).record(duration: elapsed)
    }
}
