import Dashboard
import Foundation
import Hummingbird
import Jobs
import Workflows
import Store

/// Seed 003's read endpoints: upload metadata, invoice data, forecasts; plus backtest accuracy.
struct QueryRoutes {
    let runtime: AlmanacRuntime
    let counts = InvoiceCountCache()

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/metadata", summary: "Upload history, newest first", response: [UploadRecord].self) { request, _ in
            let q = try QueryParams(request, allowed: ["limit", "offset"])
            let limit = try q.int("limit", default: 1000, range: 1...100_000)
            let offset = try q.int("offset", default: 0, range: 0...Int(Int32.max))
            return try JSONResponse.make(try await runtime.store.uploads(limit: limit, offset: offset))
        }
        registry.add(router, .get, "/metadata/{batch_num}", summary: "One upload's metadata and status", response: UploadRecord.self) { _, context in
            let batch = try PathParams(context).string("batch_num")
            guard let record = try await runtime.store.upload(batchNum: batch) else {
                throw APIError.notFound("unknown batch_num \"\(batch.prefix(100))\"")
            }
            return try JSONResponse.make(record)
        }
        registry.add(router, .get, "/invoice-data", summary: "Cleaned sales rows with filters, newest first, one page", response: InvoicePage.self) { request, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: InvoicePageJSON.encode(try await invoicePage(request))))
        }
        registry.add(router, .get, "/forecast-data", summary: "Forecasts by category and model, or per product with product_id, newest first", response: ForecastDataAnswer.self) { request, _ in
            let q = try QueryParams(request, allowed: ["category", "product_id", "model_type", "start_date", "end_date", "limit", "offset"])
            let (start, end) = try q.dateRange()
            if let product = try q.string("product_id", maxLength: 100) {
                // A product's forecast is reconciled with its category's (HierarchicalForecast): it has no model_type.
                guard q.raw("model_type") == nil else {
                    throw APIError.badRequest("model_type does not apply with product_id: a product's forecast is reconciled with its category's, the method is in its reconciliation field")
                }
                let query = ForecastQuery(
                    category: try q.string("category", maxLength: 100), productID: product, startDate: start, endDate: end,
                    limit: try q.int("limit", default: 1000, range: 0...100_000),
                    offset: try q.int("offset", default: 0, range: 0...Int(Int32.max)), order: .newestFirst)
                return try JSONResponse.make(try await runtime.store.productForecasts(query))
            }
            var model: ModelType?
            if let raw = try q.string("model_type", maxLength: 32) {
                guard let m = ModelType(rawValue: raw) else {
                    throw APIError.badRequest("model_type must be one of \(ModelType.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(raw)\")")
                }
                model = m
            }
            let query = ForecastQuery(
                category: try q.string("category", maxLength: 100), modelType: model, startDate: start, endDate: end,
                limit: try q.int("limit", default: 1000, range: 0...100_000),
                offset: try q.int("offset", default: 0, range: 0...Int(Int32.max)), order: .newestFirst)
            return try JSONResponse.make(try await runtime.store.forecasts(query))
        }
        registry.add(router, .get, "/forecast-accuracy", summary: "Rolling-origin backtest accuracy per category and model", response: [AccuracyRecord].self) { request, _ in
            let category = try QueryParams(request, allowed: ["category"]).string("category", maxLength: 100)
            return try JSONResponse.make(try await runtime.store.accuracy(category: category))
        }
        registry.add(router, .get, "/categories", summary: "Categories with sales data", response: [String].self) { _, _ in
            try JSONResponse.make(try await runtime.store.categories())
        }
    }
}

/// Seed 003's page of invoice rows: `{"data": [...], "pagination": {page, limit, total_items, total_pages}}`.
struct InvoicePage: Codable, Sendable {
    struct Pagination: Codable, Sendable {
        var page: Int, limit: Int, totalItems: Int, totalPages: Int
        enum CodingKeys: String, CodingKey { case page, limit, totalItems = "total_items", totalPages = "total_pages" }
    }
    var data: [InvoiceRow]
    var pagination: Pagination
}

/// `GET /forecast-data`'s answer: a category's rows by model, or a product's reconciled rows with `product_id`.
struct ForecastDataAnswer: DeclaredSchema {
    static var jsonSchema: [String: Any] {
        ["anyOf": [JSONSchemaReflection.schema(of: [ForecastRow].self), JSONSchemaReflection.schema(of: [ProductForecastRow].self)]]
    }
}

extension QueryRoutes {
    /// `GET /invoice-data`: filters `category`, `product_id`, `batch_num`, `start_date`, `end_date`; a page by
    /// `page` (from 1) and `limit` (default 15, seed 003's page size), or by `offset`; newest date first.
    func invoicePage(_ request: Request) async throws -> InvoicePage {
        let q = try QueryParams(request, allowed: ["category", "product_id", "batch_num", "start_date", "end_date", "page", "limit", "offset"])
        let (start, end) = try q.dateRange()
        let limit = try q.int("limit", default: 15, range: 1...100_000)
        let offset: Int
        if q.raw("offset") != nil {
            guard q.raw("page") == nil else { throw APIError.badRequest("page and offset both given: send one of them") }
            offset = try q.int("offset", default: 0, range: 0...Int(Int32.max))
        } else {
            offset = (try q.int("page", default: 1, range: 1...1_000_000) - 1) * limit
        }
        let query = InvoiceQuery(
            category: try q.string("category", maxLength: 100), productID: try q.string("product_id", maxLength: 100),
            batchNum: try q.string("batch_num", maxLength: 200), startDate: start, endDate: end,
            limit: limit, offset: offset, order: .newestFirst)
        let total = try await counts.count(query, store: runtime.store)
        let rows = try await runtime.store.invoices(query)
        return InvoicePage(data: rows, pagination: .init(
            page: offset / limit + 1, limit: limit, totalItems: total, totalPages: (total + limit - 1) / limit))
    }
}

/// Seed 002's job endpoints: every queued operation with its status.
struct JobRoutes {
    let runtime: AlmanacRuntime

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/jobs", summary: "Jobs with type and status filters", response: SchemaArray<JobAnswerSchema>.self) { request, _ in
            let q = try QueryParams(request, allowed: ["type", "status", "limit", "offset"])
            var status: JobStatus?
            if let raw = try q.string("status", maxLength: 32) {
                guard let s = JobStatus(rawValue: raw) else {
                    throw APIError.badRequest("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(raw)\")")
                }
                status = s
            }
            let jobs = try await runtime.store.jobs(
                type: try q.string("type", maxLength: 32), status: status,
                limit: try q.int("limit", default: 100, range: 1...10_000),
                offset: try q.int("offset", default: 0, range: 0...Int(Int32.max)))
            return try JSONResponse.raw(jobs.map(Self.view))
        }
        registry.add(router, .get, "/jobs/{id}", summary: "One job", response: JobAnswerSchema.self) { _, context in
            let id = try PathParams(context).string("id")
            guard let job = try await runtime.store.job(id: id) else { throw APIError.notFound("unknown job id \"\(id.prefix(100))\"") }
            return try JSONResponse.raw(Self.view(job))
        }
    }
}

extension JobRoutes {
    /// Seed 002's job shape: `job_id` (and `id`), payload and result as JSON objects when they hold JSON.
    static func view(_ job: JobRecord) -> [String: Any] {
        func json(_ text: String?) -> Any {
            guard let text else { return NSNull() }
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
        }
        func orNull(_ value: String?) -> Any {
            guard let value else { return NSNull() }
            return value
        }
        return [
            "job_id": job.id, "id": job.id, "type": job.type, "queue": job.queue, "status": job.status.rawValue,
            "progress": job.progress, "attempts": job.attempts, "payload": json(job.payload), "result": json(job.result),
            "error": orNull(job.error), "request_id": orNull(job.requestID), "created_at": job.createdAt,
            "updated_at": job.updatedAt, "started_at": orNull(job.startedAt), "finished_at": orNull(job.finishedAt),
        ]
    }
}

/// Liveness and readiness.
struct HealthRoutes {
    let runtime: AlmanacRuntime

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/health", summary: "Liveness", response: [String: String].self) { _, _ in
            try JSONResponse.make(["status": "ok"])
        }
        registry.add(router, .get, "/ready", summary: "Database and queue reachable, migrations applied", response: [String: String].self) { _, _ in
            var checks: [String: String] = [:]
            var ready = true
            do {
                try await runtime.store.ping()
                let applied = try await runtime.store.appliedMigrations()
                checks["database"] = "ok"
                checks["migrations"] = applied.last ?? "none"
            } catch {
                ready = false
                checks["database"] = "unreachable: \(error)"
            }
            do {
                _ = try await runtime.queue.depth(of: .etl)
                checks["queue"] = "ok"
            } catch {
                ready = false
                checks["queue"] = "unreachable: \(error)"
            }
            checks["status"] = ready ? "ready" : "not ready"
            return try JSONResponse.make(checks, status: ready ? .ok : .serviceUnavailable)
        }
    }
}
