import Foundation
import Jobs
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The worker runner, in-process, against both drivers.
@Suite("Job worker")
struct JobWorkerTests {
    let queue = QueueName.forecast

    /// Runs the worker in a ServiceGroup; returns the group and the task running it.
    private func start(_ worker: JobWorker) -> (ServiceGroup, Task<Void, any Error>) {
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: worker)], gracefulShutdownSignals: [], cancellationSignals: [], logger: testLogger()))
        return (group, Task { try await group.run() })
    }

    private func worker(
        _ driver: any JobQueueDriver, hooks: RecordingHooks, consumerID: String = "w-\(UUID().uuidString.prefix(6))",
        concurrency: Int = 1, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(50), maxDelay: .milliseconds(200), jitter: 0),
        gracePeriod: Duration = .seconds(6),
        handler: @escaping @Sendable (JobMessage) async throws -> Void
    ) -> JobWorker {
        JobWorker(
            driver: driver, queue: queue, consumerID: consumerID, concurrency: concurrency, retry: retry,
            heartbeatTTL: .seconds(5), pollTimeout: .milliseconds(200), gracePeriod: gracePeriod,
            reaperInterval: .milliseconds(50), hooks: hooks, logger: testLogger(), handler: handler)
    }

    @Test(arguments: Backend.allCases)
    func handlesAndAcknowledges(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        let handled = Mutex<[String]>([])
        for n in 0..<6 { try await test.driver.push(message("ok\(n)"), to: queue) }
        let (group, task) = start(worker(test.driver, hooks: hooks, concurrency: 2) { message in
            handled.withLock { $0.append(message.id) }
        })
        try await eventually("6 handled") { handled.withLock { $0.count } == 6 }
        try await eventually("acknowledged") { try await test.driver.depth(of: queue) == QueueDepth() }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(handled.withLock { $0.sorted() } == (0..<6).map { "ok\($0)" })
        #expect(hooks.all.filter { if case .succeeded = $0 { true } else { false } }.count == 6)
        await test.close(queue)
    }

    /// A message whose deliveries died with their consumer maxAttempts - 1 times (here 2 of 3) runs alone:
    /// while it runs, the worker's other loops take nothing, so a poison message that kills the process again
    /// takes no neighbour with it. One that died once runs beside the others.
    @Test(arguments: Backend.allCases)
    func aMessageThatDiedWithItsConsumerRunsAlone(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        struct Span { var id: String; var start: ContinuousClock.Instant; var end: ContinuousClock.Instant }
        let spans = Mutex<[Span]>([])
        for n in 0..<4 { try await test.driver.push(message("before\(n)"), to: queue) }
        var suspect = message("suspect", attempt: 2)
        suspect.crashes = 2
        try await test.driver.push(suspect, to: queue)
        var once = message("once", attempt: 1)
        once.crashes = 1
        try await test.driver.push(once, to: queue)
        for n in 0..<4 { try await test.driver.push(message("after\(n)"), to: queue) }
        let (group, task) = start(worker(test.driver, hooks: hooks, concurrency: 3) { message in
            let start = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(message.id == "suspect" || message.id == "once" ? 400 : 150))
            spans.withLock { $0.append(Span(id: message.id, start: start, end: ContinuousClock.now)) }
        })
        try await eventually("10 handled") { spans.withLock { $0.count } == 10 }
        try await eventually("acknowledged") { try await test.driver.depth(of: queue) == QueueDepth() }
        await group.triggerGracefulShutdown()
        try await task.value
        let all = spans.withLock { $0 }
        let alone = try #require(all.first { $0.id == "suspect" })
        let overlapping = all.filter { $0.id != "suspect" && $0.start < alone.end && alone.start < $0.end }.map(\.id)
        #expect(overlapping.isEmpty, "ran beside the suspect: \(overlapping)")
        let onceSpan = try #require(all.first { $0.id == "once" })
        #expect(all.contains { $0.id != "once" && $0.start < onceSpan.end && onceSpan.start < $0.end }, "the message killed once ran alone")
        // The others still ran side by side.
        let others = all.filter { $0.id != "suspect" }
        let concurrent = others.contains { a in others.contains { b in a.id != b.id && a.start < b.end && b.start < a.end } }
        #expect(concurrent)
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func retriesWithBackoffThenDeadLetters(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        let times = Mutex<[ContinuousClock.Instant]>([])
        try await test.driver.push(message("flaky"), to: queue)
        let (group, task) = start(worker(test.driver, hooks: hooks) { _ in
            times.withLock { $0.append(ContinuousClock.now) }
            throw JobFailure.transient("upstream timed out")
        })
        try await eventually("dead-lettered") { try await test.driver.depth(of: queue).dead == 1 }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(hooks.all == [
            .started("flaky", attempt: 0), .willRetry("flaky", attempt: 0, error: "upstream timed out"),
            .started("flaky", attempt: 1), .willRetry("flaky", attempt: 1, error: "upstream timed out"),
            .started("flaky", attempt: 2), .failed("flaky", attempt: 2, error: "upstream timed out", deadLettered: true),
        ])
        let gaps = times.withLock { t in zip(t.dropFirst(), t).map { $0 - $1 } }
        #expect(gaps.count == 2)
        #expect(gaps[0] >= .milliseconds(50) && gaps[1] >= .milliseconds(100), "backoff gaps \(gaps)")
        let dead = try await test.driver.deadLetters(queue: queue, limit: 1)
        #expect(dead.first?.error == "upstream timed out")
        #expect(dead.first?.message.attempt == 2)
        #expect(try await test.driver.depth(of: queue) == QueueDepth(dead: 1))
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func anOutageRetriesWithoutSpendingAttempts(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        let runs = Mutex(0)
        try await test.driver.push(message("during-restart"), to: queue)
        // Five outages in a row with three attempts allowed: the job still runs to success, never dead-lettered.
        let (group, task) = start(worker(test.driver, hooks: hooks) { _ in
            let n = runs.withLock { $0 += 1; return $0 }
            if n <= 5 { throw JobFailure.outage("server closed the connection unexpectedly") }
        })
        try await eventually("succeeded") { hooks.all.contains(.succeeded("during-restart")) }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(runs.withLock { $0 } == 6)
        #expect(hooks.all.filter { if case .failed = $0 { true } else { false } }.isEmpty)
        #expect(hooks.all.last == .succeeded("during-restart"))
        #expect(try await test.driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func anyOtherErrorCountsAsTransient(backend: Backend) async throws {
        struct Boom: Error {}
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        try await test.driver.push(message("boom"), to: queue)
        let (group, task) = start(worker(test.driver, hooks: hooks, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(20), jitter: 0)) { _ in
            throw Boom()
        })
        try await eventually("dead-lettered") { try await test.driver.depth(of: queue).dead == 1 }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(hooks.all.filter { if case .started = $0 { true } else { false } }.count == 2)
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func permanentFailureIsNotRetried(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        let calls = Mutex(0)
        try await test.driver.push(message("invalid"), to: queue)
        let (group, task) = start(worker(test.driver, hooks: hooks) { _ in
            calls.withLock { $0 += 1 }
            throw JobFailure.permanent("column 'date' missing")
        })
        try await eventually("failed") { hooks.all.count == 2 }
        try await Task.sleep(for: .milliseconds(400))  // a retry would have happened by now
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(calls.withLock { $0 } == 1)
        #expect(hooks.all == [.started("invalid", attempt: 0), .failed("invalid", attempt: 0, error: "column 'date' missing", deadLettered: false)])
        #expect(try await test.driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func gracefulShutdownLetsTheHandlerFinish(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        let finished = Mutex(false)
        try await test.driver.push(message("long"), to: queue)
        let (group, task) = start(worker(test.driver, hooks: hooks, gracePeriod: .seconds(5)) { _ in
            try await Task.sleep(for: .milliseconds(600))
            finished.withLock { $0 = true }
        })
        try await eventually("started") { !hooks.all.isEmpty }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(finished.withLock { $0 })
        #expect(hooks.all == [.started("long", attempt: 0), .succeeded("long")])
        #expect(try await test.driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func gracefulShutdownRequeuesAfterTheGracePeriod(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        try await test.driver.push(message("too-long"), to: queue)
        try await test.driver.push(message("next"), to: queue)
        let (group, task) = start(worker(test.driver, hooks: hooks, gracePeriod: .milliseconds(300)) { _ in
            try await Task.sleep(for: .seconds(30))
        })
        try await eventually("started") { !hooks.all.isEmpty }
        let clock = ContinuousClock()
        let stop = clock.now
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(clock.now - stop < .seconds(3))
        #expect(hooks.all == [.started("too-long", attempt: 0)])
        #expect(try await test.driver.depth(of: queue) == QueueDepth(ready: 2))
        // Back at the head, attempt unchanged: it runs next.
        let again = try #require(try await test.driver.pop(from: queue, consumer: "after", timeout: .seconds(1)))
        #expect(again.message.id == "too-long")
        #expect(again.message.attempt == 0)
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func recoversItsOwnStaleProcessingItemsOnStart(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        try await test.driver.push(message("stale"), to: queue)
        // As if a BLMOVE moved it after the client gave up: it sits in w1's processing list, unhandled.
        _ = try #require(try await test.driver.pop(from: queue, consumer: "w1", timeout: .seconds(1)))
        let (group, task) = start(worker(test.driver, hooks: hooks, consumerID: "w1") { _ in })
        try await eventually("handled") { hooks.all.contains(.succeeded("stale")) }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(hooks.all == [.started("stale", attempt: 0), .succeeded("stale")])
        #expect(try await test.driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func reaperReclaimsAndReportsPoisonMessages(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let hooks = RecordingHooks()
        try await test.driver.heartbeat(consumer: "gone", queue: queue, ttl: .milliseconds(100))
        try await test.driver.push(message("poison", attempt: 2), to: queue)
        try await test.driver.push(message("victim"), to: queue)
        _ = try await test.driver.pop(from: queue, consumer: "gone", timeout: .seconds(1))
        _ = try await test.driver.pop(from: queue, consumer: "gone", timeout: .seconds(1))
        let (group, task) = start(worker(test.driver, hooks: hooks) { _ in })
        try await eventually("victim handled, poison reported") {
            hooks.all.contains(.succeeded("victim")) && hooks.all.contains { if case .failed("poison", _, _, true) = $0 { true } else { false } }
        }
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(hooks.all.contains(.started("victim", attempt: 1)))
        #expect(try await test.driver.depth(of: queue) == QueueDepth(dead: 1))
        await test.close(queue)
    }
}
