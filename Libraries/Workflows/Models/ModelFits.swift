import Foundation
import Config
import Jobs
import Store

/// The model-fit use case the request routes share: a fit is a train job, recorded, pushed to `train_queue` and
/// waited for (`TRAIN_TIMEOUT_SECONDS`) while train-worker runs it. The version store is the runtime's store.
public struct ModelFits: Sendable {
    public let runtime: AlmanacRuntime

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    /// The store of sessions and model versions (both stores keep them).
    public var models: any ModelStore {
        get throws {
            guard let s = runtime.store as? any ModelStore else { throw WorkflowError(.unavailable, "the store keeps no model versions") }
            return s
        }
    }

    /// Runs a fit on train-worker and returns the version it wrote. A failed fit is `.failed` with the
    /// worker's reason, a timeout `.timedOut`; both name the job in `job_id` (a timed-out job keeps running and
    /// stays visible at `/jobs/{id}`).
    public func fit(_ payload: some JobPayload, requestID: String) async throws -> ModelVersionRecord {
        let job = payload.job(requestID: requestID)
        try await runtime.store.createJob(job)
        await runtime.push(job)
        let timeout = runtime.config.trainTimeoutSeconds
        guard let done = try await JobWaiter.wait(for: job.id, store: runtime.store, timeout: timeout) else {
            throw WorkflowError(.timedOut, "the fit did not finish within TRAIN_TIMEOUT_SECONDS (\(timeout) s); follow it at /jobs/\(job.id)",
                                fields: ["job_id": job.id])
        }
        guard done.status == .completed, let version = try await models.modelVersion(jobID: job.id) else {
            throw WorkflowError(.failed, "fit failed: \(done.error ?? "no model was written")", fields: ["job_id": job.id])
        }
        return version
    }
}
