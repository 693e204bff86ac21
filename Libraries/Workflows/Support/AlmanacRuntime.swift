public import Config
public import Jobs
public import Logging
public import Store

/// What the workflows work with: configuration, the store, the queue driver and a logger. Runtime opens them
/// from the configuration (`AlmanacRuntime.open`); tests build one over their own store and queue.
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
