import Dashboard
import Config
import Foundation
import Hummingbird
import Models
import NIOCore
import Workflows
import Store

/// Seed 004's anomaly API: `POST /fit/{series_id}` (a new immutable baseline version, fitted by train-worker),
/// `POST /predict/{series_id}` (in process, through the LRU cache), `GET /healthcheck` with latency telemetry,
/// `GET /plot` (training data, baseline and thresholds as an HTML page with SVG).
struct AnomalyRoutes {
    let runtime: AlmanacRuntime
    let serving: ModelServing

    var baselines: AnomalyBaselines { AnomalyBaselines(fits: serving.fits, cache: serving.anomalyCache) }

    /// A timestamp as seed 004's clients send it: a number of seconds, or the same number as text.
    struct Timestamp: Decodable {
        var seconds: Double?
        var raw: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) {
                seconds = d
                raw = String(d)
            } else if let s = try? c.decode(String.self) {
                raw = String(s.prefix(40))
                seconds = Double(s.trimmingCharacters(in: .whitespaces))
                if let v = seconds, !v.isFinite { seconds = nil }
            } else if c.decodeNil() {
                seconds = nil
                raw = "null"
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "a timestamp is a number of seconds")
            }
        }
    }

    /// A value that may be missing or NaN (`null`, "NaN"): both are named in the error.
    struct Value: Decodable {
        var number: Double?

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { number = nil }
            else if let d = try? c.decode(Double.self) { number = d }
            else if let s = try? c.decode(String.self), let d = Double(s) { number = d }
            else { number = nil }
        }
    }

    struct FitBody: Decodable {
        var timestamps: [Timestamp]?
        var values: [Value]?
        var variant: String?
        var k: Double?
        var tail: String?
        var period: WholeNumber?
    }

    struct PredictBody: Decodable {
        var timestamp: Timestamp?
        var value: Value?
    }

    /// Seed 004's `TrainResponse` (`series_id`, `message`, `success`) and what Almanac adds to it.
    struct FitOutput: Codable, Sendable {
        var series_id: String
        var message = "Training successfully started."
        var success = true
        var version: String
        var version_number: Int
        var points_used: Int
        var variant: String
        var k: Double
        var tail: String
        var job_id: String?
        var created_at: String
    }

    struct PredictOutput: Codable, Sendable {
        var series_id: String
        var anomaly: Bool
        var model_version: String
        var timestamp: Double
        var value: Double
        var score: Double?
        var lower: Double
        var upper: Double
    }

    static let maxPoints = 1_000_000

    /// Seed 004's `Metrics`: zero before the first sample, as its cache starts.
    struct Metrics: Codable, Sendable {
        var avg: Double
        var p95: Double
        init(_ summary: LatencyTelemetry.Summary?) {
            avg = summary?.avg_ms ?? 0
            p95 = summary?.p95_ms ?? 0
        }
    }
    struct HealthOutput: Codable, Sendable {
        var status: String
        var database: String
        var series_trained: Int
        var inference_latency_ms: Metrics
        var training_latency_ms: Metrics
        var latency_ms: [String: LatencyTelemetry.Summary]
        var latency_history_limit: Int
        var telemetry_store: String
        var model_cache: ModelCache<AnomalyBaseline>.Info
    }

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        let telemetry = serving.telemetry
        registry.add(router, .post, "/fit/{series_id}", summary: "Fit a new anomaly baseline version for a series (train-worker)", response: FitOutput.self, body: FitBody.self) { request, context in
            try await telemetry.measure("fit") { try await fit(request, context) }
        }
        registry.add(router, .post, "/predict/{series_id}", summary: "Is a point anomalous? (?version=, default latest)", response: PredictOutput.self, body: PredictBody.self) { request, context in
            try await telemetry.measure("predict") { try await predict(request, context) }
        }
        registry.add(router, .get, "/healthcheck", summary: "Service status and latency telemetry per route type", response: HealthOutput.self) { _, _ in
            try await telemetry.measure("healthcheck") { try await health() }
        }
        registry.add(router, .get, "/plot", summary: "HTML plot of a version's training data, baseline and thresholds", produces: "text/html") { request, _ in
            try await telemetry.measure("plot") { try await plot(request) }
        }
    }

    static func seriesID(_ context: AlmanacContext) throws -> String {
        let id = try PathParams(context).string("series_id")
        try validateSeriesID(id)
        return id
    }

    static func validateSeriesID(_ id: String) throws {
        guard !id.isEmpty, id.count <= 100,
              id.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_-.:".unicodeScalars.contains($0) })
        else {
            throw APIError.badRequest("series_id must be 1 to 100 characters among letters, digits, _ - . :")
        }
    }

    /// `?version=` as `3`, `v3` or `V3`; nil for the latest, which `0` also names (seed 004's default).
    static func version(_ request: Request) throws -> Int? {
        guard let raw = try QueryParams(request).string("version", maxLength: 20) else { return nil }
        let digits = raw.hasPrefix("v") || raw.hasPrefix("V") ? String(raw.dropFirst()) : raw
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }), let v = Int(digits) else {
            throw APIError.badRequest("version must be <number> or v<number>, 0 for the latest (got \"\(raw)\")")
        }
        return v == 0 ? nil : v
    }

    /// A JSON body (`JSONBody`), where a NaN token is a 422 naming it (seed 004's clients send NaN for a missing value).
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AlmanacContext) async throws -> T {
        let data = try await JSONBody.data(request, context)
        do {
            return try JSONBody.decode(T.self, from: data)
        } catch {
            if String(decoding: data, as: UTF8.self).contains("NaN") {
                throw APIError(.unprocessableContent, "values must be finite numbers: NaN is not accepted")
            }
            throw error
        }
    }

    func fit(_ request: Request, _ context: AlmanacContext) async throws -> Response {
        let seriesID = try Self.seriesID(context)
        let body = try await Self.decode(FitBody.self, request, context)
        let q = try QueryParams(request)
        guard let stamps = body.timestamps else { throw APIError(.unprocessableContent, "missing field timestamps") }
        guard let values = body.values else { throw APIError(.unprocessableContent, "missing field values") }
        guard stamps.count == values.count else {
            throw APIError(.unprocessableContent, "timestamps and values differ in length: \(stamps.count) timestamps, \(values.count) values")
        }
        let minimum = max(runtime.config.minTrainingDataPoints, AnomalyBaseline.minimumPoints)
        guard values.count >= minimum else {
            throw APIError(.unprocessableContent, "not enough data points: \(values.count) given, at least \(minimum) needed (MIN_TRAINING_DATA_POINTS)")
        }
        guard values.count <= Self.maxPoints else { throw APIError(.contentTooLarge, "more than \(Self.maxPoints) points") }
        var ts: [Double] = [], vs: [Double] = []
        ts.reserveCapacity(values.count)
        vs.reserveCapacity(values.count)
        for (i, (t, v)) in zip(stamps, values).enumerated() {
            guard let seconds = t.seconds else {
                throw APIError(.unprocessableContent, "timestamps[\(i)] is not a number of seconds (got \"\(t.raw)\")")
            }
            guard let x = v.number, x.isFinite else {
                throw APIError(.unprocessableContent, "values[\(i)] is NaN or missing: values must be finite numbers")
            }
            ts.append(seconds)
            vs.append(x)
        }
        var seen = Set<Double>()
        for (i, t) in ts.enumerated() where !seen.insert(t).inserted {
            throw APIError(.unprocessableContent, "duplicate timestamp \(stamps[i].raw) at timestamps[\(i)]")
        }
        let variantName = try q.string("variant", maxLength: 20) ?? body.variant ?? AnomalyBaseline.Variant.standard.rawValue
        let k: Double
        if let raw = try q.string("k", maxLength: 20) {
            guard let v = Double(raw) else { throw APIError.badRequest("k must be a number (got \"\(raw)\")") }
            k = v
        } else {
            k = body.k ?? 3
        }
        let tailName = try q.string("tail", maxLength: 10) ?? body.tail ?? AnomalyBaseline.Tail.both.rawValue
        var period = try body.period?.whole("period")
        if let raw = try q.string("period", maxLength: 10) {
            guard let p = Int(raw) else { throw APIError.badRequest("period must be an integer (got \"\(raw)\")") }
            period = p
        }
        let payload = AnomalyFitPayload(seriesID: seriesID, timestamps: ts, values: vs, variant: variantName, k: k, tail: tailName, period: period)
        let version = try await baselines.fit(payload, requestID: context.requestID)
        return try JSONResponse.make(FitOutput(
            series_id: seriesID, version: "\(version.version)", version_number: version.version, points_used: vs.count,
            variant: variantName, k: k, tail: tailName, job_id: version.summary.jobID, created_at: version.createdAt))
    }

    func predict(_ request: Request, _ context: AlmanacContext) async throws -> Response {
        let seriesID = try Self.seriesID(context)
        let version = try Self.version(request)
        let body = try await Self.decode(PredictBody.self, request, context)
        guard let stamp = body.timestamp else { throw APIError(.unprocessableContent, "missing field timestamp") }
        guard let seconds = stamp.seconds else { throw APIError(.unprocessableContent, "timestamp is not a number of seconds (got \"\(stamp.raw)\")") }
        guard let raw = body.value else { throw APIError(.unprocessableContent, "missing field value") }
        guard let value = raw.number, value.isFinite else { throw APIError(.unprocessableContent, "value is NaN or missing: it must be a finite number") }
        let (verdict, number) = try await baselines.evaluate(seriesID: seriesID, version: version, timestamp: seconds, value: value)
        return try JSONResponse.make(PredictOutput(
            series_id: seriesID, anomaly: verdict.isAnomaly, model_version: "\(number)", timestamp: seconds, value: value,
            score: verdict.score.isFinite ? verdict.score : nil, lower: verdict.lower, upper: verdict.upper))
    }

    func health() async throws -> Response {
        var database = "ok"
        var series = 0
        do {
            try await runtime.store.ping()
            series = try await serving.models.modelSubjectCount(kind: .anomaly)
        } catch {
            database = "unreachable"
        }
        let latency = try await serving.telemetry.summaries()
        return try JSONResponse.make(HealthOutput(
            status: database == "ok" ? "ok" : "degraded", database: database, series_trained: series,
            inference_latency_ms: Metrics(latency["predict"]), training_latency_ms: Metrics(latency["fit"]), latency_ms: latency,
            latency_history_limit: runtime.config.latencyHistoryLimit,
            telemetry_store: serving.telemetry.redis == nil ? "in-process" : "redis", model_cache: serving.anomalyCache.info),
            status: database == "ok" ? .ok : .serviceUnavailable)
    }

    func plot(_ request: Request) async throws -> Response {
        let q = try QueryParams(request)
        guard let seriesID = try q.string("series_id", maxLength: 100) else { throw APIError.badRequest("series_id is required") }
        try Self.validateSeriesID(seriesID)
        let requested = try Self.version(request)
        let models = try serving.models
        guard let record = try await models.modelVersion(kind: .anomaly, subject: seriesID, version: requested) else {
            throw APIError.notFound(requested.map { "series \"\(seriesID)\" has no version v\($0)" } ?? "no model for series \"\(seriesID)\"")
        }
        let model = try JSONDecoder().decode(AnomalyBaseline.self, from: Data(record.model.utf8))
        let data = try record.trainingData.map { try JSONDecoder().decode(AnomalyTrainingData.self, from: Data($0.utf8)) }
            ?? AnomalyTrainingData(timestamps: [], values: [])
        let html = AnomalyPlot.html(seriesID: seriesID, version: record.version, createdAt: record.createdAt, model: model, data: data)
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
