import Foundation
import Config
public import Jobs
import Logging
import Metrics
import Store
import Synchronization

/// etl-worker's job: stream the stored CSV into `invoice_data` in one transaction, then fan out forecasts.
/// Idempotent: a batch already completed is left alone, so redelivery changes nothing.
public struct ETLHandler: Sendable {
    let runtime: AlmanacRuntime

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    /// The number of lines of a file (newlines, plus one for a last line without one), read in 1 MiB chunks;
    /// 0 when it cannot be opened (the scan then reports why).
    static func lineCount(path: String) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var count = 0, last: UInt8 = 10
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            for i in 0..<n where buffer[i] == 10 { count += 1 }
            last = buffer[n - 1]
        }
        return last == 10 ? count : count + 1
    }

    public func handle(_ message: JobMessage) async throws {
        let payload = try ETLJob.decode(message)
        guard !payload.storedFilename.contains("/"), !payload.storedFilename.hasPrefix(".") else {
            throw JobFailure.permanent("ETL job names an invalid stored file")
        }
        var logger = runtime.logger
        logger[metadataKey: "batch.num"] = .string(payload.batchNum)
        if let rid = message.requestID { logger[metadataKey: "request.id"] = .string(rid) }
        let store = runtime.store
        guard let status = try await store.markProcessing(batchNum: payload.batchNum) else {
            throw JobFailure.permanent("unknown batch \(payload.batchNum)")
        }
        if status == .completed || status == .failed {
            logger.info("batch already \(status.rawValue); nothing to do")
            return
        }
        let path = runtime.config.uploadDirectory + "/" + payload.storedFilename
        // Progress: the line the scan has reached of the file's lines (counted first, one fast pass), written
        // to the job every half second while the rows stream into the store, up to 0.9 before the commit.
        let lines = await Compute.run { Self.lineCount(path: path) }
        let reached = Atomic<Int>(0)
        let reporter = Task {
            var last = -1
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let line = reached.load(ordering: .relaxed)
                guard lines > 1, line != last else { continue }
                last = line
                try? await store.jobProgress(id: message.id, progress: 0.9 * min(1, Double(line) / Double(lines)))
            }
        }
        defer { reporter.cancel() }
        let outcome = try await store.ingest(batchNum: payload.batchNum) { emit in
            var emitted = 0
            return try SalesScanner.scan(path: path) { row in
                try emit(row)
                emitted += 1
                if emitted & 1023 == 0 { reached.store(row.line, ordering: .relaxed) }
                if emitted == 10 { CrashPoint.midCopy.hit() }
            }
        }
        reporter.cancel()
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
            throw JobFailure.permanent("unknown batch \(payload.batchNum)")
        case .failed(let log):
            logger.info("batch failed validation", metadata: ["error": "\(log.prefix(200))"])
            throw JobFailure.permanent("batch failed validation: " + log)
        }
    }
}
