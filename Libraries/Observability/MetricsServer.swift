public import Config
public import Hummingbird
public import Jobs
public import Logging
public import ServiceLifecycle

/// A worker's own `GET /metrics` (and `GET /health`) on `METRICS_PORT`, run as a service beside its consumers.
public enum MetricsServer {
    /// The router of the metrics server.
    public static func router(queue: any JobQueueDriver) -> Router<BasicRequestContext> {
        let metrics = AlmanacMetrics.shared
        let router = Router()
        router.get("/metrics") { _, _ in await metrics.response(queue: queue) }
        router.get("/health") { _, _ in "ok" }
        return router
    }

    /// The server for `config` (listening on `HOST`:`METRICS_PORT`), or none when `METRICS_PORT` is unset.
    public static func services(config: AlmanacConfiguration, queue: any JobQueueDriver, logger: Logger) -> [any Service] {
        guard let port = config.metricsPort else { return [] }
        logger.info("metrics listening", metadata: ["address": "\(config.host):\(port)"])
        let app = Application(
            router: router(queue: queue),
            configuration: .init(address: .hostname(config.host, port: port), serverName: "almanac-metrics"),
            logger: logger)
        return [app]
    }
}
