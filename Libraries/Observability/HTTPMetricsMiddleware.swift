public import Hummingbird
import Jobs
import Metrics

/// Request counts and latency histograms by route (the registered pattern, never the raw path), method and status.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() { _ = AlmanacMetrics.shared }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, route: context.endpointPath ?? "unmatched", status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, route: context.endpointPath ?? "unmatched", status: status, since: start)
            throw error
        }
    }

    func record(_ request: Request, route: String, status: Int, since start: ContinuousClock.Instant) {
        let dimensions = [("route", route), ("method", request.method.rawValue), ("status", String(status))]
        Counter(label: "almanac_http_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "almanac_http_request_duration_seconds", dimensions: dimensions).record(duration: ContinuousClock.now - start)
    }
}

/// `almanac_queue_depth{queue,state}` and `almanac_queue_up{queue}`, set when metrics are scraped.
enum QueueGauges {
    static func update(queue: any JobQueueDriver, queues: [QueueName]) async {
        for name in queues {
            guard let depth = try? await queue.depth(of: name) else {
                Gauge(label: "almanac_queue_up", dimensions: [("queue", name.rawValue)]).record(0)
                continue
            }
            Gauge(label: "almanac_queue_up", dimensions: [("queue", name.rawValue)]).record(1)
            for (state, value) in [("ready", depth.ready), ("processing", depth.processing), ("delayed", depth.delayed), ("dead", depth.dead)] {
                Gauge(label: "almanac_queue_depth", dimensions: [("queue", name.rawValue), ("state", state)]).record(value)
            }
        }
    }
}
