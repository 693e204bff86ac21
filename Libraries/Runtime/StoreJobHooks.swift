public import Jobs
public import Logging
public import Store

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
