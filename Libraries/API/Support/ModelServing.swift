import Config
import Foundation
import Hummingbird
import Logging
import Models
import Workflows
import Redis
import Store

/// What the model routes share: the LRU caches of decoded versions, the latency telemetry and the `ModelFits` workflow.
final class ModelServing: Sendable {
    let runtime: AlmanacRuntime
    let anomalyCache: ModelCache<AnomalyBaseline>
    let scheduleCache: ModelCache<ScheduleModel>
    let telemetry: LatencyTelemetry

    init(runtime: AlmanacRuntime, redis: RedisClient?) {
        self.runtime = runtime
        anomalyCache = ModelCache(capacity: runtime.config.maxModelsInCache)
        scheduleCache = ModelCache(capacity: runtime.config.maxModelsInCache)
        telemetry = LatencyTelemetry(limit: runtime.config.latencyHistoryLimit, redis: redis, logger: runtime.logger)
    }

    /// The store of sessions and model versions.
    var models: any ModelStore { get throws { try fits.models } }

    var fits: ModelFits { ModelFits(runtime: runtime) }

    /// Runs a fit on train-worker and returns the version it wrote (`ModelFits.fit`).
    func fit(_ payload: some JobPayload, requestID: String) async throws -> ModelVersionRecord {
        try await fits.fit(payload, requestID: requestID)
    }
}
