import API
public import Config
import Foundation
import Jobs
import Store
public import Logging
import Observability
public import ServiceLifecycle
import UnixSignals
public import Workflows

/// Configuration to a `ServiceGroup`: what each executable runs, assembled in one place (tests assemble the same
/// services). Graceful shutdown on SIGTERM or SIGINT: the HTTP server and the consumers stop taking work, a job in
/// hand has `SHUTDOWN_SECONDS` less 2 s to finish (then it is cancelled and its message handed back), and the store and
/// queue clients close last; past the deadline the group is cancelled. The process then exits 0.
public enum AlmanacServices {
    /// One worker process (`etl-worker`, `forecast-worker`, `train-worker`): its queue's consumers, the requeue
    /// sweeper, the metrics server on `METRICS_PORT`, and the clients.
    public static func buildWorker(_ kind: WorkerKind, config: AlmanacConfiguration, logger: Logger) async throws -> ServiceGroup {
        let runtime = try await AlmanacRuntime.open(config: config, logger: logger)
        let services = workers(runtime: runtime, kinds: [kind])
            + MetricsServer.services(config: config, queue: runtime.queue, logger: logger)
        logger.info("worker started", metadata: ["queue": "\(kind.queue.rawValue)"])
        return group(runtime: runtime, services: services)
    }

    /// `upload-api`: the HTTP application and the hourly retention run; in the embedded default (no
    /// `DATABASE_URL`, no `REDIS_URL`) the three workers in process too, on the in-process queue and SQLite.
    public static func buildAPI(config: AlmanacConfiguration, logger: Logger) async throws -> ServiceGroup {
        let runtime = try await AlmanacRuntime.open(config: config, logger: logger)
        var services = config.isEmbedded ? embeddedWorkers(runtime: runtime) : []
        services.append(RetentionService(runtime: runtime))
        logger.info("starting", metadata: [
            "mode": "\(config.isEmbedded ? "embedded (SQLite, in-process queue and workers)" : "distributed")",
            "address": "\(config.host):\(config.port)",
        ])
        // The application last: it is shut down first, so no request comes in while the workers drain.
        services.append(try AlmanacApp.buildApplication(runtime: runtime))
        return group(runtime: runtime, services: services)
    }

    /// The workers of the embedded default: every queue, in this process.
    public static func embeddedWorkers(runtime: AlmanacRuntime) -> [any Service] {
        workers(runtime: runtime, kinds: WorkerKind.allCases)
    }

    /// The consumers of `kinds` and one requeue sweeper over their queues.
    public static func workers(runtime: AlmanacRuntime, kinds: [WorkerKind]) -> [any Service] {
        WorkerServices.make(runtime: runtime, kinds: kinds, extraHandlers: kinds.contains(.train) ? TrainHandlers.make(runtime: runtime) : [:])
    }

    /// The group that runs `services` until SIGTERM or SIGINT, with the store and queue clients shut down after them.
    public static func group(runtime: AlmanacRuntime, services: [any Service]) -> ServiceGroup {
        let deadline = runtime.config.shutdownSeconds
        var configuration = ServiceGroupConfiguration(
            services: ([ClientsService(runtime: runtime)] + services).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: runtime.logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64((deadline - 0.5) * 1000))
        configuration.maximumCancellationDuration = .milliseconds(500)
        return ServiceGroup(configuration: configuration)
    }

    /// Runs `group`; a group cancelled at the shutdown deadline (its jobs handed back) is a clean stop too.
    public static func run(_ group: ServiceGroup, logger: Logger) async throws {
        do {
            try await group.run()
        } catch is CancellationError {
            logger.notice("shutdown deadline reached: work still held was handed back")
        }
        logger.info("stopped")
    }

    /// How long a job in hand may still run after SIGTERM: the deadline less the consumers' poll and settling.
    static func handlerGracePeriod(_ config: AlmanacConfiguration) -> Duration {
        .milliseconds(Int64(max(0.5, config.shutdownSeconds - 2) * 1000))
    }
}

/// The store's and the queue's clients as a service: closed when everything after them in the group has stopped.
struct ClientsService: Service {
    let runtime: AlmanacRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.queue.shutdown()
        await runtime.store.shutdown()
    }
}
