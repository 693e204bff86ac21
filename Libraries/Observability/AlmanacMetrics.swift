public import Hummingbird
public import Jobs
import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry, installed once as the swift-metrics backend. Everything Almanac
/// records through swift-metrics (HTTP requests, jobs, rows ingested, model fits) is rendered by `render()`.
public final class AlmanacMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    private init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Bootstraps swift-metrics on first use; later calls return the same registry.
    public static let shared = AlmanacMetrics()

    /// Sets the queue-depth gauges (read at scrape time), then renders the text exposition format.
    public func render(queue: any JobQueueDriver, queues: [QueueName] = [.etl, .forecast, .train]) async -> String {
        await QueueGauges.update(queue: queue, queues: queues)
        return registry.emitToString()
    }

    /// A `GET /metrics` response.
    public func response(queue: any JobQueueDriver) async -> Response {
        let text = await render(queue: queue)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

