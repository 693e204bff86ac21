import Config
import Foundation
import Hummingbird
import Logging
import Models
import Workflows
import Redis
import Store

/// What the model routes share: the LRU caches of decoded versions, the latency telemetry and the way a fit is handed to train-worker and waited for.
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

    var models: any ModelStore {
        get throws {
            guard let s = runtime.store as? any ModelStore else { throw APIError(.internalServerError, "the store keeps no model versions") }
            return s
        }
    }

    /// Records a train job, pushes it to `train_queue` and waits (`TRAIN_TIMEOUT_SECONDS`) for train-worker.
    /// Returns the version written; a failed fit is a 422 carrying the worker's reason, a timeout a 504 naming
    /// the job (which keeps running and stays visible at `/jobs/{id}`).
    func fit(type: String, payload: some Encodable, requestID: String) async throws -> ModelVersionRecord {
        let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        let job = NewJob(id: "\(type)-\(UUID().uuidString.lowercased())", type: type, queue: QueueNameText.train, payload: text, requestID: requestID)
        try await runtime.store.createJob(job)
        await runtime.push(job)
        guard let done = try await JobWaiter.wait(for: job.id, store: runtime.store, timeout: runtime.config.trainTimeoutSeconds) else {
            throw APIError(.gatewayTimeout, "the fit did not finish within TRAIN_TIMEOUT_SECONDS (\(runtime.config.trainTimeoutSeconds) s); follow it at /jobs/\(job.id)", extra: ["job_id": job.id])
        }
        guard done.status == .completed, let version = try await models.modelVersion(jobID: job.id) else {
            throw APIError(.unprocessableContent, "fit failed: \(done.error ?? "no model was written")", extra: ["job_id": job.id])
        }
        return version
    }
}

enum QueueNameText {
    static let train = "train_queue"
}
