import Foundation
import Config
public import Jobs
import Logging
import Metrics
import Store

/// The ETL job a accepted upload queues.
public enum ETLJob {
    public static func make(batchNum: String, storedFilename: String, requestID: String?) -> NewJob {
        NewJob(
            id: "etl-" + batchNum, type: "etl", queue: QueueName.etl.rawValue,
            payload: "{\"batch_num\":\(JSONText.quote(batchNum)),\"stored_filename\":\(JSONText.quote(storedFilename))}",
            requestID: requestID)
    }
}

/// etl-worker's job: stream the stored CSV into `invoice_data` in one transaction, then fan out forecasts.
/// Idempotent: a batch already completed is left alone, so redelivery changes nothing.
public struct ETLHandler: Sendable {
    let runtime: AlmanacRuntime

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    struct Payload: Decodable {
        var batch_num: String
        var stored_filename: String
    }

    public func handle(_ message: JobMessage) async throws {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(message.payload.utf8)) else {
            throw JobFailure.permanent("ETL job payload is not valid JSON with batch_num and stored_filename")
        }
        guard !payload.stored_filename.contains("/"), !payload.stored_filename.hasPrefix(".") else {
            throw JobFailure.permanent("ETL job names an invalid stored file")
        }
        var logger = runtime.logger
        logger[metadataKey: "batch.num"] = .string(payload.batch_num)
        if let rid = message.requestID { logger[metadataKey: "request.id"] = .string(rid) }
        let store = runtime.store
        guard let status = try await store.markProcessing(batchNum: payload.batch_num) else {
            throw JobFailure.permanent("unknown batch \(payload.batch_num)")
        }
        if status == .completed || status == .failed {
            logger.info("batch already \(status.rawValue); nothing to do")
            return
        }
        let path = runtime.config.uploadDirectory + "/" + payload.stored_filename
        let outcome = try await store.ingest(batchNum: payload.batch_num) { emit in
            var emitted = 0
            return try SalesScanner.scan(path: path) { row in
                try emit(row)
                emitted += 1
                if emitted == 10 { CrashPoint.midCopy.hit() }
            }
        }
        switch outcome {
        case .completed(let counters, let jobs):
            CrashPoint.beforeForecastPush.hit()
            for var job in jobs {
                job.requestID = message.requestID
                await runtime.push(job)
            }
            CrashPoint.afterCommit.hit()
            for (kind, rows) in [("inserted", counters.inserted), ("updated", counters.updated), ("unchanged", counters.unchanged)] {
                Counter(label: "almanac_rows_ingested_total", dimensions: [("kind", kind)]).increment(by: rows)
            }
            let result = (try? String(decoding: JSONEncoder().encode(counters), as: UTF8.self)) ?? "{}"
            try await store.jobFinished(id: message.id, status: .completed, result: result, error: nil)
            logger.info("batch completed", metadata: [
                "rows.inserted": "\(counters.inserted)", "rows.updated": "\(counters.updated)",
                "rows.unchanged": "\(counters.unchanged)", "forecast.jobs": "\(jobs.count)",
            ])
        case .alreadyCompleted:
            logger.info("batch already completed; nothing to do")
        case .unknownBatch:
            throw JobFailure.permanent("unknown batch \(payload.batch_num)")
        case .failed(let log):
            logger.info("batch failed validation", metadata: ["error": "\(log.prefix(200))"])
            throw JobFailure.permanent("batch failed validation: " + log)
        }
    }
}
