public import Config
import UnixSignals
public import Jobs
public import Logging
public import ServiceLifecycle

/// The in-process workers of the embedded default: the same services the worker processes run.
public enum EmbeddedSuite {
    public static func services(runtime: AlmanacRuntime) -> [any Service] {
        WorkerServices.make(runtime: runtime, kinds: WorkerKind.allCases, extraHandlers: TrainHandlers.make(runtime: runtime))
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

/// Runs one worker process until SIGTERM/SIGINT: consumers stop taking work, finish or return what they hold, exit 0.
public enum WorkerMain {
    /// `extraServices` run beside the consumers (the metrics server on `METRICS_PORT`).
    public static func run(
        kind: WorkerKind, config: AlmanacConfiguration, logger: Logger,
        extraServices: (AlmanacRuntime) -> [any Service] = { _ in [] }
    ) async throws {
        let runtime = try await AlmanacRuntime.open(config: config, logger: logger)
        let handlers = kind == .train ? TrainHandlers.make(runtime: runtime) : [:]
        let services = WorkerServices.make(runtime: runtime, kinds: [kind], extraHandlers: handlers) + extraServices(runtime)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        logger.info("worker started", metadata: ["queue": "\(kind.queue.rawValue)"])
        try await group.run()
        logger.info("worker stopped")
    }
}
