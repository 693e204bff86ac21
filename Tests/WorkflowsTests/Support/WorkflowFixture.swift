import Config
import Foundation
import Jobs
import Logging
import Store
import TestSupport
import Workflows

/// An embedded runtime for workflow tests: a SQLite store in a fresh directory and the in-memory queue, both the
/// real parts the one-process default runs on.
struct WorkflowFixture {
    let runtime: AlmanacRuntime
    let queue: MemoryJobQueue
    /// The upload directory.
    let directory: String

    static func make(env extra: [String: String] = [:]) async throws -> WorkflowFixture {
        let directory = try TestEnvironment.temporaryDirectory("workflow")
        var logger = Logger(label: "workflow-test")
        logger.logLevel = .warning
        var env = ["DATA_DIR": directory]
        for (k, v) in extra { env[k] = v }
        let config = try AlmanacConfiguration.load(from: env)
        try FileManager.default.createDirectory(atPath: config.uploadDirectory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory + "/almanac.sqlite", logger: logger)
        try await store.migrate()
        let queue = MemoryJobQueue()
        return WorkflowFixture(
            runtime: AlmanacRuntime(config: config, store: store, queue: queue, logger: logger), queue: queue,
            directory: config.uploadDirectory)
    }

    /// train-worker's loop, reduced to its part under test: each message of `train_queue` handled and acknowledged
    /// until the task is cancelled.
    func trainWorker(_ handle: @escaping @Sendable (JobMessage) async throws -> Void) -> Task<Void, any Error> {
        let queue = self.queue
        return Task {
            while !Task.isCancelled {
                guard let delivery = try await queue.pop(from: .train, consumer: "w", timeout: .milliseconds(50)) else { continue }
                try await handle(delivery.message)
                try await queue.acknowledge(delivery)
            }
        }
    }

    /// Writes `text` to a new file in the upload directory; its path.
    func file(_ text: String) throws -> String {
        let path = directory + "/.incoming-" + UUID().uuidString
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
