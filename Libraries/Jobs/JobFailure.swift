/// An error a handler throws to say how its job failed. `permanent` (invalid input: retrying cannot help)
/// is reported to the hooks as failed and acknowledged, never retried nor dead-lettered; `transient` is
/// retried with backoff. Any other error a handler throws counts as transient.
///
/// `outage` (the database or Redis connection was lost) is retried with backoff without spending one of
/// the job's attempts: the job is not at fault, and an outage during a third delivery must not dead-letter
/// a good job. A message that kills its worker still spends an attempt on each delivery.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var isPermanent: Bool
    public var isOutage = false

    public static func permanent(_ message: String) -> JobFailure { JobFailure(message: message, isPermanent: true) }
    public static func transient(_ message: String) -> JobFailure { JobFailure(message: message, isPermanent: false) }
    public static func outage(_ message: String) -> JobFailure { JobFailure(message: message, isPermanent: false, isOutage: true) }

    public var description: String { message }
}

/// Where a worker reports what happens to each job; the pipeline records job state in the database through
/// it. Every method has a no-op default. Hooks run in the consumer loop: keep them short, and do not throw
/// (log instead).
public protocol JobHooks: Sendable {
    func started(_ message: JobMessage, queue: QueueName) async
    func succeeded(_ message: JobMessage, queue: QueueName) async
    func willRetry(_ message: JobMessage, queue: QueueName, error: String, delay: Duration) async
    /// The job will not run again: a permanent failure (`deadLettered == false`) or attempts exhausted
    /// (`deadLettered == true`, also for a message whose deliveries kept killing workers).
    func failed(_ message: JobMessage, queue: QueueName, error: String, deadLettered: Bool) async
}

extension JobHooks {
    public func started(_ message: JobMessage, queue: QueueName) async {}
    public func succeeded(_ message: JobMessage, queue: QueueName) async {}
    public func willRetry(_ message: JobMessage, queue: QueueName, error: String, delay: Duration) async {}
    public func failed(_ message: JobMessage, queue: QueueName, error: String, deadLettered: Bool) async {}
}

/// Hooks that do nothing.
public struct NoHooks: JobHooks {
    public init() {}
}
