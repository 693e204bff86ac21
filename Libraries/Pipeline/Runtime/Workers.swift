public import Jobs
import Config
import Logging
public import ServiceLifecycle

/// The three worker kinds; each process runs one or (embedded) all of them.
public enum WorkerKind: String, Sendable, CaseIterable {
    case etl, forecast, train

    public var queue: QueueName {
        switch self {
        case .etl: return .etl
        case .forecast: return .forecast
        case .train: return .train
        }
    }
}

/// Builds the services a worker process runs: the queue consumer(s) and the requeue sweeper.
public enum WorkerServices {
    public static func make(runtime: AlmanacRuntime, kinds: [WorkerKind], extraHandlers: [String: @Sendable (JobMessage) async throws -> Void] = [:]) -> [any Service] {
        var services: [any Service] = []
        let hooks = StoreJobHooks(store: runtime.store, logger: runtime.logger)
        for kind in kinds {
            let handler: @Sendable (JobMessage) async throws -> Void
            switch kind {
            case .etl:
                let etl = ETLHandler(runtime: runtime)
                handler = { try await etl.handle($0) }
            case .forecast:
                let forecast = ForecastHandler(runtime: runtime)
                handler = { try await forecast.handle($0) }
            case .train:
                handler = { message in
                    guard let h = extraHandlers[message.type] else {
                        throw JobFailure.permanent("no handler for job type \(message.type)")
                    }
                    try await h(message)
                }
            }
            var logger = runtime.logger
            logger[metadataKey: "worker"] = .string(kind.rawValue)
            services.append(JobWorker(
                driver: runtime.queue, queue: kind.queue, concurrency: runtime.config.workerConcurrency,
                retry: runtime.retryPolicy, hooks: hooks, logger: logger, handler: handler))
        }
        services.append(RequeueSweeper(runtime: runtime, queues: kinds.map(\.queue)))
        return services
    }
}
