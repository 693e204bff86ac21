import Config
import Crypto
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Hummingbird
import Store
import Workflows

/// Seed 002's (Plastinka) job routes under `/api/v1/jobs`, as its client reads them: `{"jobs": [JobDetails],
/// "total"}` and `JobDetails` (`job_id`, `job_type`, `status`, `created_at`, `updated_at`, `progress`, `error`,
/// `result`), with its job types and statuses mapped onto Almanac's jobs (one store, one implementation).
/// Errors on these routes carry the seed's `{"message", "code", "status_code", "details"}` (APIError.seed002).
struct Seed002Routes {
    let runtime: AlmanacRuntime
    let io: NIOThreadPool
    /// `/health/retry-stats/reset` keeps the counts at the reset and reports the change since (the jobs stay).
    let retryBaseline = RetryBaseline()

    final class RetryBaseline: Sendable {
        let counts = Mutex<[String: Int]>([:])
    }

    /// Seed 002's `{status, message}` answer.
    struct StatusMessage: Codable, Sendable {
        var status: String
        var message: String
    }

    /// The job row that records a training run (its status is computed from its forecast jobs).
    static let trainingRunType = TrainingRunJob.type
    /// Seed 002's job types and the Almanac job types they name.
    static let jobTypes: [String: String] = ["data_upload": "etl", "prediction": "forecast", "training": TrainJobType.anomalyFit, "report": "report"]
    static func seedType(_ type: String) -> String {
        switch type {
        case "etl": "data_upload"
        case "forecast": "prediction"
        default: type.hasSuffix("_fit") ? "training" : type
        }
    }
    /// Seed 002's statuses: `pending` is Almanac's `queued`; a skipped job (nothing to do) completed.
    static func seedStatus(_ status: JobStatus) -> String {
        switch status {
        case .queued: "pending"
        case .running: "running"
        case .completed, .skipped: "completed"
        case .failed: "failed"
        }
    }
    static let statuses: [String: [JobStatus]] = [
        "pending": [.queued], "running": [.running], "completed": [.completed, .skipped], "failed": [.failed],
    ]

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/api/v1/jobs", summary: "Seed 002: jobs as {jobs, total} (job_type, status, limit)", response: Seed002JobListSchema.self) { request, _ in
            let q = try QueryParams(request, allowed: ["job_type", "status", "limit"])
            var type: String?
            if let raw = try q.string("job_type", maxLength: 32) {
                guard let t = Self.jobTypes[raw] else {
                    throw APIError.seed002(.unprocessableContent, "job_type must be one of \(Self.jobTypes.keys.sorted().joined(separator: ", ")) (got \"\(raw)\")", code: "validation_error")
                }
                type = t
            }
            var wanted: [JobStatus]?
            if let raw = try q.string("status", maxLength: 32) {
                guard let s = Self.statuses[raw] else {
                    throw APIError.seed002(.unprocessableContent, "status must be one of \(Self.statuses.keys.sorted().joined(separator: ", ")) (got \"\(raw)\")", code: "validation_error")
                }
                wanted = s
            }
            let limit = try q.int("limit", default: 100, range: 1...1000)
            var jobs: [JobRecord] = []
            for status in wanted ?? [nil] as [JobStatus?] {
                jobs += try await runtime.store.jobs(type: type, status: status, limit: limit, offset: 0)
            }
            // The train types share seed 002's "training": both are listed under it.
            if type == TrainJobType.anomalyFit {
                for status in wanted ?? [nil] as [JobStatus?] {
                    jobs += try await runtime.store.jobs(type: TrainJobType.scheduleFit, status: status, limit: limit, offset: 0)
                }
            }
            // Training runs (POST /api/v1/jobs/training) too: their status is their forecast jobs'.
            jobs.removeAll { $0.type == Self.trainingRunType }
            var page = jobs.map(Self.details)
            if type == nil || type == TrainJobType.anomalyFit {
                let wantedStatus = try q.string("status", maxLength: 32)
                for run in try await runtime.store.jobs(type: Self.trainingRunType, status: nil, limit: limit, offset: 0) {
                    guard let details = try await trainingDetails(run.id), wantedStatus == nil || details["status"] as? String == wantedStatus else { continue }
                    page.append(details)
                }
            }
            page.sort { ($0["created_at"] as? String ?? "") > ($1["created_at"] as? String ?? "") }
            page = Array(page.prefix(limit))
            return try JSONResponse.raw(["jobs": page, "total": page.count] as [String: Any])
        }
        // The code's spelling of the parameter sets: /api/v1/models-configs/configs…, ConfigResponse
        // {config_id, config, is_active}; a config is a parameter set {model_type, name, parameters}.
        let configs = "/api/v1/models-configs/configs"
        registry.add(router, .get, configs, summary: "Seed 002: parameter sets as ConfigResponse (limit)") { request, _ in
            let limit = try QueryParams(request, allowed: ["limit"]).int("limit", default: 100, range: 1...1000)
            return try JSONResponse.raw(try await runtime.store.modelParams(modelType: nil).prefix(limit).map(Self.config))
        }
        registry.add(router, .get, configs + "/active", summary: "Seed 002: the most recently activated parameter set") { _, _ in
            let active = try await runtime.store.modelParams(modelType: nil).filter(\.isActive)
                .max { ($0.activatedAt ?? "") < ($1.activatedAt ?? "") }
            guard let active else { throw APIError.seed002(.notFound, "No active config found", code: "no_active_config") }
            return try JSONResponse.raw(Self.config(active))
        }
        registry.add(router, .post, configs + "/{config_id}/set-active", summary: "Seed 002: activate a parameter set ({success, message})") { _, context in
            let raw = try PathParams(context).string("config_id")
            guard let id = Int(raw), id > 0, try await runtime.store.activateModelParams(id: id) != nil else {
                throw APIError.seed002(.notFound, "Config \(raw.prefix(40)) not found", code: "config_not_found")
            }
            return try JSONResponse.raw(["success": true, "message": "Config \(id) set as active"])
        }
        registry.add(router, .post, configs + "/upload", summary: "Seed 002: create a parameter set ({json_payload: {model_type, name, parameters}, is_active})") { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                  let payload = object["json_payload"] as? [String: Any] else {
                throw APIError.badRequest("body must be a JSON object {\"json_payload\": {\"model_type\", \"name\", \"parameters\"}, \"is_active\"}")
            }
            var record = try await OpsRoutes.createParams(payload, store: runtime.store)
            if object["is_active"] as? Bool == true, let active = try await runtime.store.activateModelParams(id: record.id) { record = active }
            return try JSONResponse.raw(Self.config(record))
        }
        registerReports(on: router, registry: registry)
        registry.add(router, .post, "/api/v1/jobs/data-upload", summary: "Seed 002: a stock file and sales files (.xlsx or .csv, multipart stock_file, sales_files) become an upload; answers {job_id, status}") { request, context in
            try await dataUpload(request, context: context)
        }
        registry.add(router, .post, "/api/v1/jobs/training", summary: "Seed 002: refit every category with the active parameter sets; answers TrainingResponse {job_id, status, parameter_set_id, using_active_parameters}") { _, context in
            let categories = try await runtime.store.categories()
            guard !categories.isEmpty else {
                throw APIError.seed002(.badRequest, "there is no sales data to train on: upload it first (POST /api/v1/jobs/data-upload)", code: "no_data")
            }
            let id = TrainingRunJob(jobs: []).newJobID
            let forecastJobs = ForecastJob.jobs(batchNum: id, categories: categories, requestID: context.requestID)
            for job in forecastJobs {
                try await runtime.store.createJob(job)
                await runtime.push(job)
            }
            // The run's record: which forecast jobs it is (GET /api/v1/jobs lists it as a training job).
            let run = TrainingRunJob(jobs: forecastJobs.map(\.id)).job(id: id, requestID: context.requestID)
            try await runtime.store.recordFinishedJob(run, result: run.payload)
            let active = try await runtime.store.modelParams(modelType: nil).filter(\.isActive).map(\.id).sorted()
            context.logger.info("seed 002 training", metadata: ["job.id": "\(id)", "categories": "\(categories.count)"])
            return try JSONResponse.raw([
                "job_id": id, "status": "pending", "parameter_set_id": active.last.map { String($0) as Any } ?? NSNull(),
                "using_active_parameters": !active.isEmpty,
            ])
        }
        registry.add(router, .get, "/health/retry-stats", summary: "Seed 002: retry statistics from the job table (RetryStatsResponse)") { _, _ in
            let jobs = try await runtime.store.jobs(type: nil, status: nil, limit: 10_000, offset: 0)
            let baseline = retryBaseline.counts.withLock { $0 }
            return try JSONResponse.raw(Self.retryStats(jobs, maxAttempts: runtime.config.retryMaxAttempts, baseline: baseline))
        }
        registry.add(router, .post, "/health/retry-stats/reset", summary: "Seed 002: start the retry statistics again from now", response: StatusMessage.self) { _, _ in
            let jobs = try await runtime.store.jobs(type: nil, status: nil, limit: 10_000, offset: 0)
            let counts = Self.retryTotals(jobs, maxAttempts: runtime.config.retryMaxAttempts)
            retryBaseline.counts.withLock { $0 = counts }
            return try JSONResponse.make(StatusMessage(status: "ok", message: "Retry statistics reset successfully"))
        }
        registry.add(router, .get, "/api/v1/jobs/{job_id}", summary: "Seed 002: one job's JobDetails", response: Seed002JobSchema.self) { _, context in
            let id = try PathParams(context).string("job_id")
            if id.hasPrefix(Self.trainingPrefix), let training = try await trainingDetails(id) { return try JSONResponse.raw(training) }
            guard let job = try await runtime.store.job(id: id) else {
                throw APIError.seed002(.notFound, "Job with ID \(id.prefix(100)) not found", code: "job_not_found")
            }
            return try JSONResponse.raw(Self.details(job))
        }
    }

    /// Seed 002's RetryStatsResponse from the job table (its latest 10,000 jobs): a retry is an attempt after a
    /// job's first; a job is exhausted when it failed after `RETRY_MAX_ATTEMPTS`.
    /// The four counters of RetryStatsResponse over `jobs` (what a reset keeps as its baseline).
    static func retryTotals(_ jobs: [JobRecord], maxAttempts: Int) -> [String: Int] {
        var totals = ["total_retries": 0, "successful_retries": 0, "exhausted_retries": 0, "successful_after_retry": 0]
        for job in jobs {
            let retries = max(0, job.attempts - 1)
            totals["total_retries", default: 0] += retries
            if job.status == .completed || job.status == .skipped, retries > 0 {
                totals["successful_after_retry", default: 0] += 1
                totals["successful_retries", default: 0] += retries
            }
            if job.status == .failed, job.attempts >= maxAttempts { totals["exhausted_retries", default: 0] += 1 }
        }
        return totals
    }

    static func retryStats(_ jobs: [JobRecord], maxAttempts: Int, baseline: [String: Int]) -> [String: Any] {
        let totals = retryTotals(jobs, maxAttempts: maxAttempts)
        var operations: [String: [String: Int]] = [:]
        var exceptions: [String: (count: Int, operations: Set<String>)] = [:]
        for job in jobs {
            let retries = max(0, job.attempts - 1)
            let type = seedType(job.type)
            var op = operations[type] ?? ["total_jobs": 0, "retried_jobs": 0, "total_retries": 0, "failed_jobs": 0]
            op["total_jobs", default: 0] += 1
            op["total_retries", default: 0] += retries
            if retries > 0 { op["retried_jobs", default: 0] += 1 }
            if job.status == .failed {
                op["failed_jobs", default: 0] += 1
                let key = String((job.error ?? "unknown error").prefix(80))
                var entry = exceptions[key] ?? (0, [])
                entry.count += 1
                entry.operations.insert(type)
                exceptions[key] = entry
            }
            operations[type] = op
        }
        var out: [String: Any] = [:]
        for (key, value) in totals { out[key] = max(0, value - (baseline[key] ?? 0)) }
        var operationStats: [String: Any] = [:]
        var high: [String] = []
        for (type, op) in operations {
            let total = op["total_jobs"] ?? 0, failed = op["failed_jobs"] ?? 0
            let rate = total > 0 ? Double(failed) / Double(total) : 0
            var entry: [String: Any] = op
            entry["failure_rate"] = rate
            operationStats[type] = entry
            if total >= 5, rate > 0.2 { high.append(type) }
        }
        out["operation_stats"] = operationStats
        out["exception_stats"] = exceptions.mapValues { ["count": $0.count, "operations": $0.operations.sorted()] as [String: Any] }
        out["high_failure_operations"] = high.sorted()
        out["timestamp"] = ISO8601DateFormatter().string(from: Date())
        return out
    }

    static let maxExcelUploadBytes = 64 << 20
    static let trainingPrefix = TrainingRunJob.idPrefix

    /// A seed 002 training job is the forecast jobs it fanned out, one per category (their ids follow from the
    /// training id and the category): pending until one runs, failed if one failed, completed when all are done;
    /// its progress is their mean. Categories added since have no job under it and are left out.
    func trainingDetails(_ id: String) async throws -> [String: Any]? {
        // The run's record names its jobs; a run from before records existed derives them from the categories.
        struct Record: Decodable { var jobs: [String] }
        let ids: [String]
        if let run = try await runtime.store.job(id: id), run.type == Self.trainingRunType,
           let record = try? JSONDecoder().decode(Record.self, from: Data(run.payload.utf8)) {
            ids = record.jobs
        } else {
            ids = ForecastJob.jobs(batchNum: id, categories: try await runtime.store.categories()).map(\.id)
        }
        let jobs = try await runtime.store.jobs(ids: ids)
        guard !jobs.isEmpty else { return nil }
        let group = JobGroup(jobs)
        let status = group.failed > 0 ? "failed" : group.done == group.total ? "completed" : group.waiting < group.total ? "running" : "pending"
        return [
            "job_id": id, "job_type": "training", "status": status,
            "created_at": group.firstCreated ?? "", "updated_at": group.lastUpdated ?? "", "progress": group.progress,
            "error": group.failed == 0 ? NSNull() : group.errors.joined(separator: "; ") as Any,
            "result": status == "completed"
                ? ["categories": group.total, "refitted": group.completed, "unchanged": group.skipped, "jobs": jobs.map(\.id)] as [String: Any] as Any
                : NSNull(),
        ]
    }

    /// Seed 002's data upload: the files are checked and turned into one sales CSV (`Seed002Files`), which then
    /// takes the path of every upload (`UploadIntake.record`): an upload row and its ETL job in one transaction.
    func dataUpload(_ request: Request, context: AlmanacContext) async throws -> Response {
        let boundary: String
        do { boundary = try MultipartReceiver.boundary(contentType: request.headers[.contentType]) } catch let error as APIError {
            throw APIError.seed002(error.status, error.message, code: "validation_error")
        }
        // A workbook is a zip read whole, so the files are held in memory: at most 64 MiB together (the seed's own
        // limit is 10 MB a file), or MAX_UPLOAD_BYTES when that is smaller.
        let limit = min(runtime.config.maxUploadBytes, Self.maxExcelUploadBytes)
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit + 64 * 1024) } catch {
            throw APIError.seed002(.contentTooLarge, "the files are larger than \(limit) bytes together", code: "validation_error")
        }
        let parts = try Seed002Files.parts(body, boundary: boundary)
        let stocks = parts.filter { $0.name == "stock_file" }, sales = parts.filter { $0.name == "sales_files" && !$0.data.isEmpty }
        guard stocks.count == 1 else {
            throw APIError.seed002(.unprocessableContent, "send exactly one stock_file (got \(stocks.count))", code: "validation_error")
        }
        guard !sales.isEmpty else { throw APIError.seed002(.unprocessableContent, "send one or more sales_files", code: "validation_error") }
        let summary = try await io.runIfActive { try Seed002Files.convert(stock: stocks[0], sales: sales) }
        let bytes = Array(summary.csv.utf8)
        let sha256 = SHA256Hex.hex(SHA256.hash(data: bytes))
        let tempPath = runtime.config.uploadDirectory + "/.incoming-" + UUID().uuidString.lowercased()
        try await io.runIfActive {
            guard FileManager.default.createFile(atPath: tempPath, contents: Data(bytes)) else {
                throw APIError(.internalServerError, "could not store the upload")
            }
        }
        let name = (sales.count == 1 ? sales[0].filename.map { FileNames.stem(of: $0) } : nil) ?? "plastinka_sales"
        do {
            let batch = try await UploadIntake(runtime: runtime, io: ThreadPoolIO(io)).record(
                IncomingUpload(tempPath: tempPath, filename: name + ".csv", sha256: sha256, size: bytes.count),
                onError: .fail, requestID: context.requestID, logger: context.logger)
            context.logger.info("seed 002 data upload", metadata: [
                "batch.num": "\(batch)", "sales.rows": "\(summary.salesRows)", "stock.rows": "\(summary.stockRows)",
            ])
            return try JSONResponse.raw(["job_id": "etl-" + batch, "status": "pending"])
        } catch let error as WorkflowError where error.kind == .conflict {
            let original = error.fields["batch_num"] ?? ""
            throw APIError.seed002(.conflict, "these sales were already uploaded as batch \(original) (job etl-\(original))", code: "duplicate_upload")
        }
    }

    static func config(_ r: ModelParamsRecord) -> [String: Any] {
        let view = OpsRoutes.view(r)
        return ["config_id": String(r.id), "is_active": r.isActive,
                "config": ["model_type": r.modelType, "name": r.name, "parameters": view["parameters"] ?? [String: Any]()] as [String: Any]]
    }

    static func details(_ job: JobRecord) -> [String: Any] {
        var out: [String: Any] = [
            "job_id": job.id, "job_type": seedType(job.type), "status": seedStatus(job.status), "created_at": job.createdAt,
            "updated_at": job.updatedAt, "progress": job.progress, "error": job.error.map { $0 as Any } ?? NSNull(),
        ]
        if job.status == .completed || job.status == .skipped {
            out["result"] = job.result.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) } ?? NSNull()
        } else {
            out["result"] = NSNull()
        }
        return out
    }
}
