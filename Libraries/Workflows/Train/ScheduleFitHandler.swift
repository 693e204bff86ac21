import Foundation
public import Jobs
import Logging
import Models
import Store

/// train-worker's work-schedule job: fits the start and end forests on the session's records and writes them
/// as the session's next immutable model version.
public struct ScheduleFitHandler: Sendable {
    let runtime: AlmanacRuntime

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    public func handle(_ message: JobMessage) async throws {
        guard let models = runtime.store as? any ModelStore else { throw JobFailure.permanent("this store keeps no model versions") }
        let payload = try ScheduleFitPayload.decode(message)
        if let done = try await models.modelVersion(jobID: message.id) {
            try await finish(message, done.version, payload.sessionID)
            return
        }
        guard try await models.scheduleSession(id: payload.sessionID) != nil else {
            throw JobFailure.permanent("session \(payload.sessionID.prefix(16))… is unknown or expired")
        }
        let rows = try await models.scheduleRecords(sessionID: payload.sessionID, entity: nil)
        var records: [ScheduleRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            guard let date = CivilDate(parsing: row.date) else { throw JobFailure.permanent("stored date \(row.date) is not a date") }
            records.append(ScheduleRecord(entity: row.entity, date: date, start: row.startMinute, end: row.endMinute))
        }
        guard !records.isEmpty else { throw JobFailure.permanent("the session has no schedule records to train on") }
        let parameters = ScheduleModel.Parameters(
            reliability: .init(minWeekdayRate: payload.minWeekdayRate, maxSpreadMinutes: payload.maxSpreadMinutes))
        try await runtime.store.jobProgress(id: message.id, progress: 0.1)
        let model: ScheduleModel
        do {
            let fitting = records
            model = try await Compute.runThrowing { try ScheduleModel.fit(records: fitting, parameters: parameters) }
        } catch let error as ModelError {
            throw JobFailure.permanent(error.message)
        }
        let dates = records.map(\.date)
        let summary: [String: String] = [
            "data_points": String(records.count), "entities": String(model.profiles.count),
            "first_date": dates.min()?.isoString ?? "", "last_date": dates.max()?.isoString ?? "",
        ]
        var metrics: [String: Double] = [:]
        if let mae = model.startForest.outOfBagMAE { metrics["start_oob_mae_minutes"] = mae }
        if let mae = model.endForest.outOfBagMAE { metrics["end_oob_mae_minutes"] = mae }
        let version = try await models.insertModelVersion(NewModelVersion(
            kind: .schedule, subject: payload.sessionID, params: try jsonText(parameters), metrics: try jsonText(metrics),
            trainingSummary: try jsonText(summary), trainingData: nil, model: try jsonText(model), jobID: message.id))
        runtime.logger.info("schedule forests fitted", metadata: [
            "job.id": "\(message.id)", "model.version": "\(version.version)", "records": "\(records.count)",
        ])
        try await finish(message, version.version, payload.sessionID)
    }

    func finish(_ message: JobMessage, _ version: Int, _ subject: String) async throws {
        try await runtime.store.jobFinished(
            id: message.id, status: .completed,
            result: try jsonText(TrainJobResult(kind: ModelKind.schedule.rawValue, subject: subject, version: version)), error: nil)
    }
}
