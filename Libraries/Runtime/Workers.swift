public import Jobs
import Config
import Logging
import Postgres
import Redis
public import ServiceLifecycle
public import Store
public import Workflows

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
            let store = runtime.store
            let every = JobHeartbeat.interval(requeueAfterSeconds: runtime.config.requeueAfterSeconds)
            services.append(JobWorker(
                driver: runtime.queue, queue: kind.queue, concurrency: runtime.config.workerConcurrency,
                retry: runtime.retryPolicy, gracePeriod: AlmanacServices.handlerGracePeriod(runtime.config), hooks: hooks, logger: logger,
                handler: { message in
                    try await JobHeartbeat.touching(message.id, in: store, every: every) {
                        try await Outage.classifying { try await handler(message) }
                    }
                }))
        }
        services.append(RequeueSweeper(runtime: runtime, queues: kinds.map(\.queue)))
        return services
    }
}

/// Job handlers of the train queue, by job type. Each fit is a new immutable model version.
public enum TrainHandlers {
    public static func make(runtime: AlmanacRuntime) -> [String: @Sendable (JobMessage) async throws -> Void] {
        let anomaly = AnomalyFitHandler(runtime: runtime)
        let schedule = ScheduleFitHandler(runtime: runtime)
        return [
            TrainJobType.anomalyFit: { try await anomaly.handle($0) },
            TrainJobType.scheduleFit: { try await schedule.handle($0) },
        ]
    }
}

/// Keeps a running job's row fresh: while its handler runs, the job's `updated_at` is touched every
/// `interval`, so the requeue sweeper (which pushes again jobs idle for `REQUEUE_AFTER_SECONDS`) never
/// re-delivers a job that is still in hand, however long it runs. A killed worker stops touching, and
/// its job is pushed again once idle.
public enum JobHeartbeat {
    /// A third of the sweeper's idle limit: two touches may fail before the job looks idle.
    public static func interval(requeueAfterSeconds: Double) -> Duration {
        .milliseconds(Int64(max(0.05, requeueAfterSeconds / 3) * 1000))
    }

    public static func touching<T: Sendable>(
        _ jobID: String, in store: any Store, every interval: Duration, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    try? await store.touchJobs(ids: [jobID])
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Tells a lost database or Redis connection (the server restarting, say) from a failing job, so the
/// worker retries it without spending one of the job's attempts (`JobFailure.outage`).
enum Outage {
    static func classifying<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.isConnectionFailure {
            throw JobFailure.outage("\(error)")
        } catch let error as RedisError where error.isConnectionFailure {
            throw JobFailure.outage("\(error)")
        }
    }
}
