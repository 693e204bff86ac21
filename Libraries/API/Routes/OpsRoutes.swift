import Config
import Foundation
import Hummingbird
import Jobs
import Models
import Observability
import Workflows
import Store

/// Operator endpoints: process and queue health, and the model registry (seed 001's `GET /models`).
struct OpsRoutes {
    let runtime: AlmanacRuntime
    static let queues: [QueueName] = [.etl, .forecast, .train]

    struct QueueReport: Codable, Sendable {
        var queue: String
        var ready: Int
        var processing: Int
        var delayed: Int
        var dead: Int
        /// Consumers whose heartbeat is alive on this queue (worker processes × their concurrency).
        var workersAlive: Int

        enum CodingKeys: String, CodingKey {
            case queue, ready, processing, delayed, dead
            case workersAlive = "workers_alive"
        }
    }

    struct SystemReport: Codable, Sendable {
        var status: String
        var mode: String
        var pid: Int32
        var uptimeSeconds: Double
        var residentMemoryBytes: Int?
        var queues: [QueueReport]
        var jobs: [String: Int]
        var failedJobs: Int

        enum CodingKeys: String, CodingKey {
            case status, mode, pid, queues, jobs
            case uptimeSeconds = "uptime_seconds"
            case residentMemoryBytes = "resident_memory_bytes"
            case failedJobs = "failed_jobs"
        }
    }

    static let started = Date()

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        _ = Self.started  // uptime counts from when the routes are built, not from the first request
        registry.add(router, .get, "/health/system", summary: "Process memory, queue depths, live workers and job counts", response: SystemReport.self) { _, _ in
            var queues: [QueueReport] = []
            for queue in Self.queues {
                let d = try await runtime.queue.depth(of: queue)
                let alive = try await runtime.queue.liveConsumers(queue: queue).count
                queues.append(QueueReport(
                    queue: queue.rawValue, ready: d.ready, processing: d.processing, delayed: d.delayed, dead: d.dead,
                    workersAlive: alive))
            }
            let counts = try await runtime.store.jobCounts()
            let report = SystemReport(
                status: "ok", mode: runtime.config.isEmbedded ? "embedded" : "distributed",
                pid: ProcessInfo.processInfo.processIdentifier,
                uptimeSeconds: max(0, (Date().timeIntervalSince(Self.started) * 1000).rounded() / 1000),
                residentMemoryBytes: ProcessMemory.residentBytes(),
                queues: queues, jobs: counts, failedJobs: counts[JobStatus.failed.rawValue] ?? 0)
            return try JSONResponse.make(report)
        }
        registry.add(router, .get, "/metrics", summary: "Prometheus metrics: requests, latency, queues, jobs, rows ingested, model fits", produces: "text/plain") { _, _ in
            await AlmanacMetrics.shared.response(queue: runtime.queue)
        }
        registry.add(router, .get, "/admin/retention", summary: "Retention policies and what a run would delete now (admin)", response: RetentionReport.self) { _, _ in
            try JSONResponse.make(try await Retention.run(runtime: runtime, dryRun: true))
        }
        registry.add(router, .post, "/admin/retention/run", summary: "Apply the retention policies now (admin)", response: RetentionReport.self) { _, _ in
            try JSONResponse.make(try await Retention.run(runtime: runtime, dryRun: false))
        }
        for prefix in ["", "/api/v1"] { registry.add(router, .get, prefix + "/model-params", summary: "Stored model parameter sets (filter: model_type)", response: SchemaArray<ModelParamsSchema>.self) { request, _ in
            var model: String?
            if let raw = try QueryParams(request).string("model_type", maxLength: 32) {
                guard ModelType(rawValue: raw) != nil else { throw Self.unknownModel(raw) }
                model = raw
            }
            return try JSONResponse.raw(try await runtime.store.modelParams(modelType: model).map(Self.view))
        } }
        for prefix in ["", "/api/v1"] { registry.add(router, .post, prefix + "/model-params", summary: "Store a named parameter set for a model type", response: ModelParamsSchema.self, status: 201) { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                throw APIError.badRequest("body must be a JSON object {\"model_type\", \"name\", \"parameters\"}")
            }
            let record = try await Self.createParams(object, store: runtime.store)
            return try JSONResponse.raw(Self.view(record), status: .created)
        } }
        for prefix in ["", "/api/v1"] { registry.add(router, .put, prefix + "/model-params/{id}/activate", summary: "Make a parameter set the active one of its model type", response: ModelParamsSchema.self) { _, context in
            let raw = try PathParams(context).string("id")
            guard let id = Int(raw), id > 0 else { throw APIError.badRequest("id must be a positive integer (got \"\(raw.prefix(40))\")") }
            guard let record = try await runtime.store.activateModelParams(id: id) else { throw APIError.notFound("unknown model-params id \(id)") }
            return try JSONResponse.raw(Self.view(record))
        } }
        registry.add(router, .get, "/models", summary: "Model registry: each model type with its description, parameters and defaults", response: ModelRegistrySchema.self) { _, _ in
            try JSONResponse.raw(ModelRegistry.seedView(ModelRegistry.entries()))
        }
    }
}

extension OpsRoutes {
    /// Validates `{"model_type", "name", "parameters"}` and stores it (inactive): the one way a parameter set is made.
    static func createParams(_ object: [String: Any], store: any Store) async throws -> ModelParamsRecord {
        guard let raw = object["model_type"] as? String else { throw APIError.badRequest("missing field \"model_type\"") }
        guard let model = ModelType(rawValue: raw) else { throw Self.unknownModel(raw) }
        guard let name = object["name"] as? String, !name.isEmpty, name.count <= 100 else {
            throw APIError.badRequest("name must be a string of 1 to 100 characters")
        }
        guard let parameters = object["parameters"] as? [String: Any] else { throw APIError.badRequest("parameters must be a JSON object") }
        if let problem = ModelParameterSets.validate(model, parameters) { throw APIError.badRequest(problem) }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys]), as: UTF8.self)
        return try await store.createModelParams(modelType: model.rawValue, name: name, parameters: text)
    }

    static func unknownModel(_ raw: String) -> APIError {
        APIError.badRequest("model_type must be one of \(ModelType.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(raw.prefix(40))\")")
    }

    static func view(_ r: ModelParamsRecord) -> [String: Any] {
        [
            "id": r.id, "model_type": r.modelType, "name": r.name, "is_active": r.isActive, "created_at": r.createdAt,
            "activated_at": r.activatedAt.map { $0 as Any } ?? NSNull(),
            "parameters": (try? JSONSerialization.jsonObject(with: Data(r.parameters.utf8))) ?? [String: Any](),
        ]
    }
}

/// The process's resident set size, from `/proc/self/statm` (Linux); nil where that file does not exist.
enum ProcessMemory {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// What `GET /models` lists. The defaults are encoded from the model code's own default values, so the
/// registry cannot drift from what a fit uses.
enum ModelRegistry {
    static func json(_ value: some Encodable) -> Any {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data) else { return [String: Any]() }
        return object
    }

    /// Seed 001's registry shape, `{"models": {id: {name, version, description, status, …}}, "count": n}`, with
    /// each entry's kind, parameters and defaults kept.
    static func seedView(_ entries: [[String: Any]]) -> [String: Any] {
        var models: [String: Any] = [:]
        for var entry in entries {
            guard let id = entry["name"] as? String else { continue }
            entry["version"] = "1.0"
            entry["status"] = "active"
            models[id] = entry
        }
        // Seed 001's foundation model: its routes answer with Almanac's models (Seed001Routes).
        models["timesfm20"] = [
            "name": "timesfm20", "display_name": "TimesFM-2.0", "kind": "forecast", "version": "2.0.0", "status": "active",
            "description": "Seed 001's TimesFM-2.0 routes (/api/v1/timesfm20/initialization, status, inference, shutdown). The 500M-parameter weights cannot be fetched here: SARIMAX with the covariates as regressors answers when use_covariates is on, Holt-Winters otherwise, with TimesFM's ten quantile outputs from their intervals.",
            "served_by": Seed001Routes.servedBy, "endpoints": Seed001Routes.base + "/*",
            "parameters": ["context_len": "history window (32 to 2048)", "horizon_len": "forecast steps (1 to 128)", "backend": "cpu, gpu or tpu (Almanac computes on the CPU)"],
            "defaults": ["context_len": Seed001Routes.defaultContext, "horizon_len": Seed001Routes.defaultHorizon, "backend": "cpu"],
        ] as [String: Any]
        return ["models": models, "count": models.count]
    }

    static func entries() -> [[String: Any]] {
        [
            [
                "name": ModelType.holtWinters.rawValue, "kind": "forecast",
                "description": "Exponential smoothing (ETS) with trend and weekly seasonality; every admissible form (additive or multiplicative error, trend, damping, season) is fitted and the forecasts are averaged with Akaike weights (or, with weights multi_step, weights from how well each form forecast the horizon in-sample).",
                "parameters": [
                    "period": "season length in days",
                    "weights": "akaike (one-step likelihood) or multi_step (likelihood of the in-sample forecasts over the horizon)",
                ],
                "defaults": ["period": 7, "weights": ETSWeighting.akaike.rawValue],
            ],
            [
                "name": ModelType.sarimax.rawValue, "kind": "forecast",
                "description": "Seasonal ARIMA with optional exogenous regressors; orders chosen by a stepwise AICc search (auto-ARIMA).",
                "parameters": ["period": "season length in days"], "defaults": ["period": 7],
            ],
            [
                "name": ModelType.prophet.rawValue, "kind": "forecast",
                "description": "Additive trend with changepoints plus Fourier weekly and yearly seasonality and holidays (Prophet's model, MAP fit).",
                "parameters": [
                    "changepointCount": "potential trend changepoints", "changepointRange": "share of the history with changepoints",
                    "changepointPriorScale": "flexibility of the trend", "seasonalityPriorScale": "strength of the seasonality",
                    "weeklyOrder": "Fourier order of the weekly season", "yearlyOrder": "Fourier order of the yearly season",
                    "uncertaintySamples": "simulated paths for the intervals", "seed": "random seed",
                ],
                "defaults": json(ProphetOptions.default),
            ],
            [
                "name": ModelType.theta.rawValue, "kind": "forecast",
                "description": "The theta method (Assimakopoulos & Nikolopoulos; SES with half the linear trend's drift, Hyndman & Billah), on the series deseasonalised by classical decomposition when its seasonality is significant.",
                "parameters": ["period": "season length in days"], "defaults": ["period": 7],
            ],
            [
                "name": ModelType.auto.rawValue, "kind": "forecast",
                "description": "Chosen per category on the rolling-origin backtests: the equal-weight mean of Holt-Winters, SARIMAX and theta, or of all four, whichever has the lower backtest MASE; intervals calibrated on its own backtest errors.",
                "parameters": [String: String](), "defaults": [String: Int](),
            ],
            [
                "name": "random_forest", "kind": "train",
                "description": "Random-forest regression (scikit-learn's RandomForestRegressor) used by the training pipeline.",
                "parameters": [
                    "treeCount": "number of trees", "maxFeatures": "features per split", "maxDepth": "deepest leaf (null: unlimited)",
                    "minSamplesSplit": "smallest node that may split", "minSamplesLeaf": "smallest leaf", "bootstrap": "sample rows per tree",
                    "seed": "random seed",
                ],
                "defaults": json(RandomForestParameters()),
            ],
            [
                "name": "anomaly_baseline", "kind": "anomaly",
                "description": "Baseline anomaly detector: values outside centre ± k·scale, with standard, robust (median/MAD) or seasonal estimates.",
                "parameters": ["variant": AnomalyBaseline.Variant.allCases.map(\.rawValue).joined(separator: ", ")],
                "defaults": ["variant": AnomalyBaseline.Variant.standard.rawValue],
            ],
        ]
    }
}
