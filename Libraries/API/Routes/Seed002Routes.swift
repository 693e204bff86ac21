import Foundation
import Hummingbird
import Store
import Workflows

/// Seed 002's (Plastinka) job routes under `/api/v1/jobs`, as its client reads them: `{"jobs": [JobDetails],
/// "total"}` and `JobDetails` (`job_id`, `job_type`, `status`, `created_at`, `updated_at`, `progress`, `error`,
/// `result`), with its job types and statuses mapped onto Almanac's jobs (one store, one implementation).
/// Errors on these routes carry the seed's `{"message", "code", "status_code", "details"}` (APIError.seed002).
struct Seed002Routes {
    let runtime: AlmanacRuntime

    /// Seed 002's job types and the Almanac job types they name.
    static let jobTypes: [String: String] = ["data_upload": "etl", "prediction": "forecast", "training": TrainJobType.anomalyFit]
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
        registry.add(router, .get, "/api/v1/jobs", summary: "Seed 002: jobs as {jobs, total} (job_type, status, limit)") { request, _ in
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
            jobs.sort { $0.createdAt > $1.createdAt }
            let page = Array(jobs.prefix(limit)).map(Self.details)
            return try JSONResponse.raw(["jobs": page, "total": page.count] as [String: Any])
        }
        registry.add(router, .get, "/api/v1/jobs/{job_id}", summary: "Seed 002: one job's JobDetails") { _, context in
            let id = try PathParams(context).string("job_id")
            guard let job = try await runtime.store.job(id: id) else {
                throw APIError.seed002(.notFound, "Job with ID \(id.prefix(100)) not found", code: "job_not_found")
            }
            return try JSONResponse.raw(Self.details(job))
        }
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
