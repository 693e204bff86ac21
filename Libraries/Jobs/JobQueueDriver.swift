/// A reliable queue backend: at-least-once delivery through per-consumer processing lists, heartbeats and
/// reclaim, delayed retries and a dead-letter list. `RedisJobQueue` is the production driver,
/// `MemoryJobQueue` its in-process twin with the same semantics.
///
/// Message flow: `push` → ready → `pop` (into the consumer's processing list) → one of `acknowledge`,
/// `retryLater` (→ delayed → `promoteDueRetries` → ready), `deadLetter`, `requeue`. A consumer whose
/// heartbeat expired has its processing list moved back by `reclaimDeadConsumers`.
public protocol JobQueueDriver: Sendable {
    /// Appends a message to the tail of the queue.
    func push(_ message: JobMessage, to queue: QueueName) async throws
    /// Takes the message at the head of the queue into `consumer`'s processing list, waiting up to
    /// `timeout`; nil when none arrived. A message that cannot be decoded is dead-lettered and skipped.
    func pop(from queue: QueueName, consumer: String, timeout: Duration) async throws -> Delivery?
    /// Removes a handled message from the processing list.
    func acknowledge(_ delivery: Delivery) async throws
    /// Moves the message to the delayed set, due after `delay`, with `attempt + 1` when `countsAsAttempt`
    /// (an outage retry keeps the attempt).
    func retryLater(_ delivery: Delivery, delay: Duration, error: String, countsAsAttempt: Bool) async throws
    /// Moves the message to the dead list with the error and the time recorded.
    func deadLetter(_ delivery: Delivery, error: String) async throws
    /// Gives the message back unhandled (shutdown): attempt unchanged, at the head so it runs next.
    func requeue(_ delivery: Delivery) async throws
    /// Marks `consumer` alive for `ttl` and registers it among the queue's consumers.
    func heartbeat(consumer: String, queue: QueueName, ttl: Duration) async throws
    /// Moves the processing lists of consumers whose heartbeat expired back to the queue (attempt + 1, crashes + 1),
    /// dead-lettering messages whose attempt reaches `maxAttempts`. Atomic per consumer: safe when several
    /// workers reclaim at once. Returns how many messages moved.
    func reclaimDeadConsumers(queue: QueueName, maxAttempts: Int) async throws -> Int
    /// `reclaimDeadConsumers`, also returning the messages it dead-lettered (so a worker can report them).
    func reclaim(queue: QueueName, maxAttempts: Int) async throws -> ReclaimResult
    /// Moves delayed messages whose time has come to the tail of the queue. Returns how many.
    func promoteDueRetries(queue: QueueName) async throws -> Int
    /// Puts back, at the head of the queue and with their attempt unchanged, the messages in `consumer`'s
    /// own processing list. Call it only when that consumer handles none of them: on start, and after a
    /// connection error (a blocking pop the client gave up on may still have moved a message).
    func recoverUnacknowledged(queue: QueueName, consumer: String) async throws -> Int
    /// Which of `ids` have a message in the queue now: ready, delayed, or in a registered consumer's
    /// processing list (a dead consumer's too: the reaper moves it back). The requeue sweeper pushes again
    /// only the other idle jobs, so a backlog that outlasts `REQUEUE_AFTER_SECONDS` is not pushed twice.
    func pendingJobIDs(_ ids: [String], queue: QueueName) async throws -> Set<String>
    func depth(of queue: QueueName) async throws -> QueueDepth
    /// Consumers of the queue whose heartbeat has not expired (the workers alive now), sorted.
    func liveConsumers(queue: QueueName) async throws -> [String]
    /// The most recent dead letters, newest first.
    func deadLetters(queue: QueueName, limit: Int) async throws -> [DeadLetter]
    /// Deletes everything belonging to the queue (tests and admin).
    func purge(queue: QueueName) async throws
    /// Closes the driver's connections (after the consumers have stopped); the in-process queue has none.
    func shutdown() async

}

extension JobQueueDriver {
    public func reclaimDeadConsumers(queue: QueueName, maxAttempts: Int) async throws -> Int {
        try await reclaim(queue: queue, maxAttempts: maxAttempts).count
    }
}

extension JobQueueDriver {
    /// Moves the message to the delayed set with `attempt + 1`, due after `delay`.
    public func retryLater(_ delivery: Delivery, delay: Duration, error: String) async throws {
        try await retryLater(delivery, delay: delay, error: error, countsAsAttempt: true)
    }
}

extension JobQueueDriver {
    public func shutdown() async {}
}
