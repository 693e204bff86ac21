public import Jobs
import Config
import Logging
import ServiceLifecycle
import Store
public import Workflows

/// Pushes again the jobs the database shows unfinished and idle: at start (idle for half the limit)
/// and then periodically. The database, not the queue, is the record of what was accepted, so a lost
/// push, a crash between commit and push, or a wiped Redis all end here. Handlers are idempotent, so
/// a job pushed twice runs to the same effect once.
public struct RequeueSweeper: Service {
    let runtime: AlmanacRuntime
    let queues: Set<String>
    let interval: Duration

    public init(runtime: AlmanacRuntime, queues: [QueueName], interval: Duration? = nil) {
        self.runtime = runtime
        self.queues = Set(queues.map(\.rawValue))
        self.interval = interval ?? .milliseconds(Int64(runtime.config.requeueAfterSeconds * 1000 / 3))
    }

    public func run() async throws {
        // At start, not idleFor: 0: running jobs are touched every REQUEUE_AFTER_SECONDS / 3 (JobHeartbeat) and
        // fresh pushes are touched too, so half the limit skips what is in hand or just queued. With 0, every
        // start of a crash-looping worker pushed every unfinished job again (the fault run saw 300 restarts).
        await sweep(idleFor: runtime.config.requeueAfterSeconds / 2)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Woken by graceful shutdown too, so a worker stops within a second of SIGTERM, not an interval.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            await sweep(idleFor: runtime.config.requeueAfterSeconds)
        }
    }

    /// One pass; returns how many jobs were pushed again. An idle job whose message is still in the queue
    /// (waiting behind a backlog, due for a retry, or held by a consumer, a dead one's included: the reaper
    /// returns those) is not pushed again, only touched: pushing it made every backlog longer than
    /// `REQUEUE_AFTER_SECONDS` grow by itself (the crash-point fault run saw 700 copies of 130 jobs).
    ///
    /// A job the queue no longer holds is pushed only if a second read of the database, after the queue's,
    /// shows it as before: unfinished and untouched. A worker records a job's end before it acknowledges the
    /// message, so a job that finished while the sweep looked at the queue (listed idle, then gone from the
    /// queue because it was just acknowledged) is seen finished there. Without that read the sweep pushed such
    /// a job again and it ran twice (a slow job whose touches were held up under load, JobHeartbeatTests).
    @discardableResult
    public func sweep(idleFor seconds: Double) async -> Int {
        await sweep(idleFor: seconds, afterListing: nil)
    }

    /// `afterListing` runs between the first read of the database and the queue's (tests use it to finish a
    /// job at that moment).
    func sweep(idleFor seconds: Double, afterListing: (@Sendable () async throws -> Void)?) async -> Int {
        do {
            let idle = try await runtime.store.unfinishedJobs(idleFor: seconds, limit: 1000).filter { queues.contains($0.queue) }
            guard !idle.isEmpty else { return 0 }
            try await afterListing?()
            var queued: Set<String> = []
            for queue in Set(idle.map(\.queue)) {
                let ids = idle.filter { $0.queue == queue }.map(\.id)
                do {
                    queued.formUnion(try await runtime.queue.pendingJobIDs(ids, queue: QueueName(rawValue: queue)))
                } catch {
                    // Cannot tell: push them all (a job pushed twice runs to the same effect once).
                    runtime.logger.warning("cannot list the queue's messages", metadata: ["queue": "\(queue)", "error": "\(error)"])
                }
            }
            var lost = idle.filter { !queued.contains($0.id) }
            if !lost.isEmpty {
                let again = try await runtime.store.unfinishedJobs(idleFor: seconds, limit: 1000)
                let stamps = Dictionary(again.map { ($0.id, $0.updatedAt) }, uniquingKeysWith: { first, _ in first })
                lost = lost.filter { stamps[$0.id] == $0.updatedAt }
            }
            for job in lost {
                await runtime.push(NewJob(id: job.id, type: job.type, queue: job.queue, payload: job.payload, requestID: job.requestID))
            }
            try await runtime.store.touchJobs(ids: idle.map(\.id))
            if !lost.isEmpty {
                runtime.logger.info("requeued unfinished jobs", metadata: ["count": "\(lost.count)", "still.queued": "\(queued.count)"])
            }
            return lost.count
        } catch {
            runtime.logger.warning("requeue sweep failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
