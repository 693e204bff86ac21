public import Config
import Jobs
public import Logging
import Redis
import Store
public import Workflows

extension AlmanacRuntime {
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
}
