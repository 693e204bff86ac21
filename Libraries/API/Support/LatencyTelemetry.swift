import Foundation
import Logging
import Redis
import Synchronization

/// Recent request latencies per route type (seed 004's healthcheck telemetry). With Redis (distributed mode)
/// the samples live in one capped list per route type, shared by every API replica; in the embedded default
/// they live in process. At most `LATENCY_HISTORY_LIMIT` samples are kept per route type.
final class LatencyTelemetry: Sendable {
    struct Summary: Codable, Sendable {
        var samples: Int
        var avg_ms: Double?
        var p50_ms: Double?
        var p95_ms: Double?
        var max_ms: Double?
    }

    static let routeTypes = ["fit", "predict", "plot", "healthcheck", "schedule_train", "schedule_predict"]
    static let keyPrefix = "almanac:latency:"

    let limit: Int
    let redis: RedisClient?
    let logger: Logger
    private let local = Mutex<[String: [Double]]>([:])

    init(limit: Int, redis: RedisClient?, logger: Logger) {
        self.limit = limit
        self.redis = redis
        self.logger = logger
    }

    /// Runs `body` and records its duration under `routeType` (also when it throws).
    func measure<T: Sendable>(_ routeType: String, _ body: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let value = try await body()
            await record(routeType, clock.now - start)
            return value
        } catch {
            await record(routeType, clock.now - start)
            throw error
        }
    }

    func record(_ routeType: String, _ duration: Duration) async {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        if let redis {
            let key = Self.keyPrefix + routeType
            do {
                _ = try await redis.pipeline([["LPUSH", key, String(format: "%.3f", ms)], ["LTRIM", key, "0", String(limit - 1)]])
            } catch {
                logger.warning("latency sample not recorded", metadata: ["error": "\(error)"])
            }
        } else {
            local.withLock { samples in
                var list = samples[routeType, default: []]
                list.insert(ms, at: 0)
                if list.count > limit { list.removeLast(list.count - limit) }
                samples[routeType] = list
            }
        }
    }

    func summaries() async throws -> [String: Summary] {
        var out: [String: Summary] = [:]
        for type in Self.routeTypes {
            let samples: [Double]
            if let redis {
                let reply = try await redis.send(["LRANGE", Self.keyPrefix + type, "0", String(limit - 1)])
                samples = (reply.array ?? []).compactMap { $0.string.flatMap(Double.init) }
            } else {
                samples = local.withLock { $0[type] ?? [] }
            }
            out[type] = Self.summarize(samples)
        }
        return out
    }

    static func summarize(_ samples: [Double]) -> Summary {
        guard !samples.isEmpty else { return Summary(samples: 0) }
        let sorted = samples.sorted()
        func q(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))] }
        func r(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        return Summary(
            samples: samples.count, avg_ms: r(samples.reduce(0, +) / Double(samples.count)), p50_ms: r(q(0.5)),
            p95_ms: r(q(0.95)), max_ms: r(sorted.last!))
    }
}
