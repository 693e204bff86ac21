import Jobs
@testable import Runtime
import Workflows
import ServiceLifecycle
import Store
import Synchronization
import Testing

/// A job that runs longer than REQUEUE_AFTER_SECONDS is not pushed again by the requeue sweeper while it
/// runs: the worker runner touches the job's row while the handler works (JobHeartbeat).
@Suite("Job heartbeat", .serialized)
struct JobHeartbeatTests {
    @Test(arguments: Backend.allCases)
    func longJobIsDeliveredOnce(_ backend: Backend) async throws {
        // REQUEUE_AFTER_SECONDS = 1 (the fixture's): the sweeper looks every 0.33 s for jobs idle for 1 s.
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        let deliveries = Mutex(0)
        let handlers: [String: @Sendable (JobMessage) async throws -> Void] = [
            "slow": { _ in
                deliveries.withLock { $0 += 1 }
                try await Task.sleep(for: .seconds(4))
            },
        ]
        let services = WorkerServices.make(runtime: fx.runtime, kinds: [.train], extraHandlers: handlers)
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: fx.runtime.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Past the sweeper's start-up pass (which pushes every unfinished job at once).
            try await Task.sleep(for: .seconds(2))
            let job = NewJob(id: "slow-1", type: "slow", queue: QueueName.train.rawValue, payload: "{}")
            try await fx.runtime.store.createJob(job)
            await fx.runtime.push(job)
            _ = try await eventually(timeout: .seconds(60), "the slow job to complete") { () -> Bool? in
                try await fx.runtime.store.job(id: "slow-1")?.status == .completed ? true : nil
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Without the heartbeat the sweeper pushes the running job again after 1 s and the second consumer
        // loop runs it concurrently.
        #expect(deliveries.withLock { $0 } == 1)
    }

    /// A job that finishes while the sweep looks at the queue (listed idle, then acknowledged before the queue
    /// is read, so its message is gone) is not pushed again: the sweep reads the database a second time. This is
    /// how longJobIsDeliveredOnce once saw two deliveries on a loaded machine.
    @Test(arguments: Backend.allCases)
    func jobFinishedDuringTheSweepIsNotPushedAgain(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        let queue = QueueName.train
        let job = NewJob(id: "sweep-finishing", type: "slow", queue: queue.rawValue, payload: "{}")
        try await fx.runtime.store.createJob(job)
        await fx.runtime.push(job)
        let delivery = try #require(try await fx.runtime.queue.pop(from: queue, consumer: "sweep-test", timeout: .seconds(1)))
        try await fx.runtime.store.jobStarted(id: job.id, attempt: 1)
        try await Task.sleep(for: .milliseconds(1100))  // idle: its touches were held up
        let sweeper = RequeueSweeper(runtime: fx.runtime, queues: [queue])
        // What the worker does when the handler returns: record the end, then acknowledge.
        let pushed = await sweeper.sweep(idleFor: 1, afterListing: {
            try await fx.runtime.store.jobFinished(id: job.id, status: .completed, result: nil, error: nil)
            try await fx.runtime.queue.acknowledge(delivery)
        })
        #expect(pushed == 0)
        #expect(try await fx.runtime.queue.depth(of: queue).ready == 0)
        #expect(try await fx.runtime.store.job(id: job.id)?.status == .completed)
    }

    /// The requeue sweeper pushes again an idle unfinished job only when its message is gone from the queue:
    /// one waiting behind a backlog (no consumer here) is touched, not pushed twice.
    @Test(arguments: Backend.allCases)
    func sweeperPushesOnlyJobsWhoseMessageIsGone(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        let queue = QueueName.train
        let waiting = NewJob(id: "sweep-waiting", type: "slow", queue: queue.rawValue, payload: "{}")
        let lost = NewJob(id: "sweep-lost", type: "slow", queue: queue.rawValue, payload: "{}")
        try await fx.runtime.store.createJob(waiting)
        try await fx.runtime.store.createJob(lost)
        await fx.runtime.push(waiting)  // `lost`'s push never happened (a crash between commit and push)
        let sweeper = RequeueSweeper(runtime: fx.runtime, queues: [queue])
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await sweeper.sweep(idleFor: 1) == 1)
        #expect(try await fx.runtime.queue.depth(of: queue).ready == 2)
        // Both were touched: nothing is idle now; later, neither is pushed again while both wait.
        #expect(await sweeper.sweep(idleFor: 1) == 0)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await sweeper.sweep(idleFor: 1) == 0)
        #expect(try await fx.runtime.queue.depth(of: queue).ready == 2)
        try await fx.runtime.queue.purge(queue: queue)
    }
}
