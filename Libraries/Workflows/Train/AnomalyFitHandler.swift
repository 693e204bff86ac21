import Foundation
public import Jobs
import Logging
import Models
import Store

/// train-worker's anomaly job: fits a baseline and writes it as the series' next immutable version.
public struct AnomalyFitHandler: Sendable {
    let runtime: AlmanacRuntime

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    public func handle(_ message: JobMessage) async throws {
        guard let models = runtime.store as? any ModelStore else { throw JobFailure.permanent("this store keeps no model versions") }
        let payload = try AnomalyFitPayload.decode(message)
        if let done = try await models.modelVersion(jobID: message.id) {
            try await finish(message, done.version, payload.seriesID)
            return
        }
        guard let variant = AnomalyBaseline.Variant(rawValue: payload.variant) else {
            throw JobFailure.permanent("unknown anomaly variant \"\(payload.variant)\"")
        }
        guard let tail = AnomalyBaseline.Tail(rawValue: payload.tail) else { throw JobFailure.permanent("unknown tail \"\(payload.tail)\"") }
        let baseline: AnomalyBaseline
        do {
            baseline = try AnomalyBaseline.fit(
                timestamps: payload.timestamps, values: payload.values, variant: variant, k: payload.k, tail: tail,
                period: payload.period)
        } catch let error as ModelError {
            throw JobFailure.permanent(error.message)
        }
        let values = payload.values
        let summary: [String: Double] = [
            "points": Double(values.count),
            "first_timestamp": payload.timestamps.min() ?? 0, "last_timestamp": payload.timestamps.max() ?? 0,
            "min": values.min() ?? 0, "max": values.max() ?? 0,
        ]
        let metrics: [String: Double] = [
            "center": baseline.centers.reduce(0, +) / Double(baseline.centers.count),
            "scale": baseline.scales.reduce(0, +) / Double(baseline.scales.count),
            "period": Double(baseline.period),
            "training_anomalies": Double(zip(payload.timestamps, values).filter { baseline.evaluate(timestamp: $0, value: $1).isAnomaly }.count),
        ]
        struct Params: Encodable { var variant: String; var k: Double; var tail: String; var period: Int? }
        let version = try await models.insertModelVersion(NewModelVersion(
            kind: .anomaly, subject: payload.seriesID,
            params: try jsonText(Params(variant: variant.rawValue, k: payload.k, tail: tail.rawValue, period: payload.period)),
            metrics: try jsonText(metrics), trainingSummary: try jsonText(summary),
            trainingData: try jsonText(AnomalyTrainingData(timestamps: payload.timestamps, values: values)),
            model: try jsonText(baseline), jobID: message.id))
        runtime.logger.info("anomaly baseline fitted", metadata: [
            "job.id": "\(message.id)", "series.id": "\(payload.seriesID)", "model.version": "\(version.version)",
        ])
        try await finish(message, version.version, payload.seriesID)
    }

    func finish(_ message: JobMessage, _ version: Int, _ subject: String) async throws {
        try await runtime.store.jobFinished(
            id: message.id, status: .completed,
            result: try jsonText(TrainJobResult(kind: ModelKind.anomaly.rawValue, subject: subject, version: version)), error: nil)
    }
}
