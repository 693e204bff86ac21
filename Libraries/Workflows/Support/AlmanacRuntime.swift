public import Config
public import Jobs
public import Logging
public import Store
import Redis

/// What every Almanac process shares: configuration, the store and the queue driver.
public struct AlmanacRuntime: Sendable {
    public let config: AlmanacConfiguration
    public let store: any Store
    public let queue: any JobQueueDriver
    public let logger: Logger

    public init(config: AlmanacConfiguration, store: any Store, queue: any JobQueueDriver, logger: Logger) {
        self.config = config
        self.store = store
        self.queue = queue
        self.logger = logger
    }

    /// Opens the store (migrating it) and the queue the configuration names.
    public static func open(config: AlmanacConfiguration, logger: Logger) async throws -> AlmanacRuntime {
        let store = try await StoreFactory.open(databaseURL: config.databaseURL, sqlitePath: config.sqlitePath, logger: logger)
        let applied = try await store.migrate()
        if !applied.isEmpty { logger.info("migrations applied", metadata: ["migrations": "\(applied.joined(separator: ","))"]) }
        let queue: any JobQueueDriver
        if let url = config.redisURL {
            let client = RedisClient(configuration: try RedisConfiguration(url: url), poolSize: config.workerConcurrency + 4, blockingConnections: config.workerConcurrency * WorkerKind.allCases.count + 2)
            queue = RedisJobQueue(client: client)
        } else {
            queue = MemoryJobQueue()
        }
        return AlmanacRuntime(config: config, store: store, queue: queue, logger: logger)
    }

    public var retryPolicy: RetryPolicy {
        var policy = RetryPolicy()
        policy.maxAttempts = config.retryMaxAttempts
        policy.baseDelay = .milliseconds(Int64(config.retryBaseDelaySeconds * 1000))
        policy.maxDelay = .milliseconds(Int64(config.retryMaxDelaySeconds * 1000))
        return policy
    }

    /// Pushes a job that the database already records. A failed push is not an error for the caller:
    /// the job row stays `queued` and the requeue sweeper pushes it again.
    public func push(_ job: NewJob) async {
        let message = JobMessage(id: job.id, type: job.type, payload: job.payload, requestID: job.requestID)
        do {
            try await queue.push(message, to: QueueName(rawValue: job.queue))
        } catch {
            logger.warning("push failed; the sweeper will retry", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
        }
    }
}

/// Records job state in the database as the worker runner reports it.
public struct StoreJobHooks: JobHooks {
    let store: any Store
    let logger: Logger

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func started(_ message: JobMessage, queue: QueueName) async {
        await record { try await store.jobStarted(id: message.id, attempt: message.attempt) }
    }

    public func succeeded(_ message: JobMessage, queue: QueueName) async {
        await record { try await store.jobFinished(id: message.id, status: .completed, result: nil, error: nil) }
    }

    public func willRetry(_ message: JobMessage, queue: QueueName, error: String, delay: Duration) async {
        await record { try await store.jobRetrying(id: message.id, error: error) }
    }

    public func failed(_ message: JobMessage, queue: QueueName, error: String, deadLettered: Bool) async {
        await record { try await store.jobFinished(id: message.id, status: .failed, result: nil, error: error) }
    }

    private func record(_ body: () async throws -> Void) async {
        do { try await body() } catch { logger.warning("could not record job state", metadata: ["error": "\(error)"]) }
    }
}
