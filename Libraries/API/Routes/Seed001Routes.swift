import CSV
import Config
import Foundation
import Hummingbird
import Models
import Store
import Synchronization
import Workflows

/// Seed 001's (Sapheneia) TimesFM-2.0 routes under `/api/v1/timesfm20`: initialization, status, inference and
/// shutdown, with its `Authorization: Bearer` auth and its request and response shapes. The foundation model's
/// weights cannot be fetched here, so Almanac's models answer (the registry entry `timesfm20` says which):
/// SARIMAX with the covariates as regressors when the request uses covariates, Holt-Winters otherwise, both
/// through `POST /forecast`'s implementation (ForecastRoutes.forecast).
///
/// Covariates: `dynamic_numerical` columns are regressors as they are; `dynamic_categorical` ones become
/// one-hot columns (a level each, the context's most frequent level the baseline). Both need values on the
/// `horizon_len` rows after the last target value, as TimesFM's covariates do. A column constant over the
/// context carries nothing a constant does not and is left out (the answer says so). `static_*` columns are
/// constant over the one series of a request: their effect is the series' level, and the answer says that too.
struct Seed001Routes {
    let runtime: AlmanacRuntime
    let state = ModelState()

    struct Initialized: Sendable {
        var backend: String
        var contextLen: Int
        var horizonLen: Int
        var source: String
    }

    final class ModelState: Sendable {
        let current = Mutex<Initialized?>(nil)
    }

    static let base = "/api/v1/timesfm20"
    static let defaultContext = 64, defaultHorizon = 24
    static let checkpoint = "google/timesfm-2.0-500m-pytorch"
    /// What answers for TimesFM here, in the registry and in `model_info.source`.
    static let servedBy = "almanac:sarimax (with covariates) or almanac:holt_winters; TimesFM's weights are not fetched"

    struct InitBody: Decodable {
        var backend: String?
        var context_len: WholeNumber?
        var horizon_len: WholeNumber?
        var checkpoint: String?
    }

    struct Parameters: Decodable {
        var context_len: WholeNumber?
        var horizon_len: WholeNumber?
        var use_covariates: Bool?
        var use_quantiles: Bool?
        var quantile_indices: [Int]?
    }

    struct InferenceBody: Decodable {
        var data_source_url_or_path: String?
        /// Almanac's addition: the frame inline, column name → values (numbers, strings or null).
        var data: [String: [JSONScalar]]?
        var data_definition: [String: String]
        var parameters: Parameters?
    }

    /// A JSON number, string, boolean or null, as a CSV cell would hold it.
    struct JSONScalar: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { text = "" } else if let d = try? c.decode(Double.self) { text = String(d) } else if let b = try? c.decode(Bool.self) {
                text = b ? "true" : "false"
            } else { text = try c.decode(String.self) }
        }
    }

    static let columnTypes: Set<String> = ["target", "dynamic_numerical", "dynamic_categorical", "static_numerical", "static_categorical"]

    // The answers of the state routes, in seed 001's shapes.
    struct ModelInfo: Codable, Sendable {
        var backend: String
        var context_len: Int
        var horizon_len: Int
        var source: String
        var served_by: String
    }

    struct InitializedAnswer: Codable, Sendable {
        var message: String
        var model_status: String
        var model_info: ModelInfo
    }

    struct StatusAnswer: Codable, Sendable {
        var model_status: String
        var details: String
    }

    struct ShutdownAnswer: Codable, Sendable {
        var message: String
        var model_status: String
    }

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .post, Self.base + "/initialization", summary: "Seed 001: initialise the TimesFM-2.0 route (Almanac's models answer)", response: InitializedAnswer.self) { request, context in
            let body = try await Self.optionalBody(InitBody.self, request, context) ?? InitBody()
            let backend = body.backend ?? "cpu"
            guard ["cpu", "gpu", "tpu"].contains(backend) else { throw APIError(.unprocessableContent, "backend must be cpu, gpu or tpu (got \"\(backend.prefix(20))\")") }
            let contextLen = try (body.context_len ?? WholeNumber(Double(Self.defaultContext))).checked("context_len", in: 32...2048)
            let horizonLen = try (body.horizon_len ?? WholeNumber(Double(Self.defaultHorizon))).checked("horizon_len", in: 1...128)
            let source = "almanac (in place of hf:\((body.checkpoint ?? Self.checkpoint).prefix(200)))"
            state.current.withLock { $0 = Initialized(backend: backend, contextLen: contextLen, horizonLen: horizonLen, source: source) }
            return try JSONResponse.make(InitializedAnswer(
                message: "Model initialized successfully from \(source)", model_status: "ready",
                model_info: ModelInfo(backend: backend, context_len: contextLen, horizon_len: horizonLen, source: source, served_by: Self.servedBy)))
        }
        registry.add(router, .get, Self.base + "/status", summary: "Seed 001: the TimesFM-2.0 route's status", response: StatusAnswer.self) { _, _ in
            let current = state.current.withLock { $0 }
            return try JSONResponse.make(StatusAnswer(
                model_status: current == nil ? "uninitialized" : "ready",
                details: current.map { "Source: \($0.source)" } ?? "Not initialized: POST \(Self.base)/initialization (inference works without it, with the defaults)"))
        }
        registry.add(router, .post, Self.base + "/shutdown", summary: "Seed 001: release the TimesFM-2.0 route's state", response: ShutdownAnswer.self) { _, _ in
            state.current.withLock { $0 = nil }
            return try JSONResponse.make(ShutdownAnswer(message: "Model shut down successfully", model_status: "uninitialized"))
        }
        registry.add(router, .post, Self.base + "/inference", summary: "Seed 001: forecast a data definition (CSV path or inline frame) with covariates and quantiles") { request, context in
            let started = ContinuousClock.now
            let body = try await JSONBody.decode(InferenceBody.self, request, context)
            let seconds = runtime.config.forecastRequestSeconds
            let out = try await inference(body, budget: seconds > 0 ? TimeBudget(.seconds(seconds)) : nil, started: started)
            return try JSONResponse.raw(out)
        }
    }

    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AlmanacContext) async throws -> T? {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard buffer.readableBytes > 0 else { return nil }
        return try JSONBody.decode(T.self, from: Data(buffer.readableBytesView))
    }

    /// A table of strings: the CSV file's or the inline frame's.
    struct Frame {
        var columns: [String]
        var rows: [[String]]
        func column(_ name: String) -> [String]? {
            columns.firstIndex(of: name).map { i in rows.map { i < $0.count ? $0[i] : "" } }
        }
    }

    func inference(_ body: InferenceBody, budget: TimeBudget?, started: ContinuousClock.Instant) async throws -> [String: Any] {
        let initialized = state.current.withLock { $0 }
        let p = body.parameters
        let contextLen = try (p?.context_len ?? WholeNumber(Double(initialized?.contextLen ?? Self.defaultContext))).checked("parameters.context_len", in: 8...100_000)
        let horizon = try (p?.horizon_len ?? WholeNumber(Double(initialized?.horizonLen ?? Self.defaultHorizon))).checked("parameters.horizon_len", in: 1...1000)
        let useCovariates = p?.use_covariates ?? false
        let useQuantiles = p?.use_quantiles ?? true
        let indices = p?.quantile_indices ?? [1, 3, 5, 7, 9]
        guard !indices.isEmpty, indices.allSatisfy({ (0...9).contains($0) }) else {
            throw APIError(.unprocessableContent, "parameters.quantile_indices must be indices 0 to 9 (0 the mean, 1 to 9 the 10th to 90th percentiles)")
        }
        for (name, type) in body.data_definition where !Self.columnTypes.contains(type) {
            throw APIError(.unprocessableContent, "data_definition[\"\(name.prefix(60))\"] is \"\(type.prefix(30))\": the types are \(Self.columnTypes.sorted().joined(separator: ", "))")
        }
        let targets = body.data_definition.filter { $0.value == "target" }.map(\.key)
        guard targets.count == 1, let target = targets.first else {
            throw APIError(.unprocessableContent, "data_definition needs exactly one \"target\" column (got \(targets.count))")
        }
        let frame = try await loadFrame(body)
        for name in body.data_definition.keys where !frame.columns.contains(name) {
            throw APIError(.unprocessableContent, "data_definition names column \"\(name.prefix(60))\", which the data does not have (columns: \(frame.columns.prefix(20).joined(separator: ", ")))")
        }
        // The date column: date, ds, timestamp or time (any case), not one of the defined columns.
        guard let dateColumn = frame.columns.first(where: { ["date", "ds", "timestamp", "time"].contains($0.lowercased()) && body.data_definition[$0] == nil }),
              let dateTexts = frame.column(dateColumn) else {
            throw APIError(.unprocessableContent, "the data needs a date column named date, ds, timestamp or time")
        }
        let targetTexts = frame.column(target)!
        // History: the rows up to the last target value; the rows after it carry the covariates' future.
        guard let lastValue = targetTexts.lastIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw APIError(.unprocessableContent, "target column \"\(target.prefix(60))\" has no values")
        }
        var days: [Int32] = []
        for (i, text) in dateTexts.enumerated() {
            guard let d = DayNumber.parse(String(text.prefix(10))) else {
                throw APIError(.unprocessableContent, "row \(i + 2): \(dateColumn) \"\(text.prefix(30))\" is not a date (YYYY-MM-DD, optionally with a time)")
            }
            days.append(d)
        }
        var values: [Double] = []
        for i in 0...lastValue {
            guard let v = Double(targetTexts[i].trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw APIError(.unprocessableContent, "row \(i + 2): target \(target.prefix(60)) \"\(targetTexts[i].prefix(30))\" is not a number (only the rows after the last value may leave it empty)")
            }
            values.append(v)
        }
        let from = max(0, values.count - contextLen)
        let history = Array(values[from...])
        let futureRows = frame.rows.count - 1 - lastValue

        // Covariates → regressors over the context and the horizon.
        var exog: [String: [Double]] = [:]
        var notes: [String] = []
        let dynamic = body.data_definition.filter { $0.value.hasPrefix("dynamic_") }.sorted { $0.key < $1.key }
        let statics = body.data_definition.filter { $0.value.hasPrefix("static_") }.map(\.key).sorted()
        if useCovariates {
            for (name, type) in dynamic {
                guard futureRows >= horizon else {
                    throw APIError(.unprocessableContent, "covariate \(name.prefix(60)) has \(futureRows) rows after the last target value; horizon_len \(horizon) needs \(horizon): add the future rows with the covariates and an empty target")
                }
                let texts = Array(frame.column(name)![from...(lastValue + horizon)])
                if type == "dynamic_numerical" {
                    var column: [Double] = []
                    for (k, t) in texts.enumerated() {
                        guard let v = Double(t.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                            throw APIError(.unprocessableContent, "row \(from + k + 2): covariate \(name.prefix(60)) \"\(t.prefix(30))\" is not a number")
                        }
                        column.append(v)
                    }
                    exog[name] = column
                } else {
                    let context = texts.prefix(history.count)
                    var counts: [String: Int] = [:]
                    for t in context { counts[t, default: 0] += 1 }
                    let baseline = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
                    for level in counts.keys.sorted() where level != baseline {
                        exog["\(name)=\(level)"] = texts.map { $0 == level ? 1 : 0 }
                    }
                    let unseen = Set(texts.suffix(horizon)).subtracting(counts.keys)
                    if !unseen.isEmpty { notes.append("\(name): levels \(unseen.sorted().prefix(5).joined(separator: ", ")) appear only in the future rows and count as the baseline \(baseline ?? "")") }
                }
            }
            for (name, column) in exog where Set(column.prefix(history.count)).count < 2 {
                exog[name] = nil
                notes.append("\(name) is constant over the context: left out (a constant adds nothing to the level)")
            }
            guard exog.count <= 20 else {
                throw APIError(.unprocessableContent, "the covariates make \(exog.count) regressors (one per categorical level); at most 20 are allowed")
            }
            if !statics.isEmpty {
                notes.append("static covariates \(statics.joined(separator: ", ")) are constant over the one series: their effect is the series' level")
            }
        }
        let covariatesUsed = !exog.isEmpty
        let model = covariatesUsed ? "sarimax" : "holt_winters"
        let historyDays = Array(days[from...lastValue])
        let series = zip(historyDays, history).map { ForecastRoutes.Point(date: DayNumber.format($0), value: $1) }
        let request = ForecastRoutes.Body(series: series, horizon: WholeNumber(Double(horizon)), models: [model], levels: [20, 40, 60, 80], exog: exog)
        let output = try await ForecastRoutes.forecast(request, budget: budget)
        guard let result = output.models.first, result.error == nil, !result.mean.isEmpty else {
            throw APIError(.unprocessableContent, "the \(model) fit failed: \(output.models.first?.error ?? "no forecast")")
        }
        // TimesFM's ten outputs per step: the mean, then the 10th to 90th percentiles (the central intervals' ends).
        let q: [[Double]] = [
            result.mean, result.lower["80"]!, result.lower["60"]!, result.lower["40"]!, result.lower["20"]!, result.mean,
            result.upper["20"]!, result.upper["40"]!, result.upper["60"]!, result.upper["80"]!,
        ]
        var prediction: [String: Any] = [
            "point_forecast": [result.mean],
            "method": covariatesUsed ? "covariates_enhanced" : "basic",
            "metadata": [
                "input_series_count": 1, "forecast_length": horizon, "covariates_used": covariatesUsed,
                "quantiles_available": useQuantiles, "model": model, "form": result.form ?? "", "context_length": history.count,
                "regressors": exog.keys.sorted(), "notes": result.notes + notes,
            ] as [String: Any],
        ]
        if useQuantiles {
            prediction["quantile_forecast"] = [(0..<horizon).map { h in q.map { $0[h] } }]
            var bands: [String: Any] = [:]
            let sorted = Array(Set(indices.filter { $0 > 0 })).sorted()
            for (b, pair) in zip(sorted, sorted.dropFirst()).enumerated() {
                bands["quantile_band_\(b)_lower"] = q[pair.0]
                bands["quantile_band_\(b)_upper"] = q[pair.1]
                bands["quantile_band_\(b)_label"] = "Q\(pair.0 * 10)–Q\(pair.1 * 10)"
            }
            prediction["quantile_bands"] = bands
        }
        let iso = { (d: Int32) in DayNumber.format(d) + "T00:00:00" }
        let elapsed = ContinuousClock.now - started
        let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return [
            "prediction": prediction,
            "visualization_data": [
                "historical_data": history, "dates_historical": historyDays.map(iso),
                "dates_future": result.dates.compactMap { DayNumber.parse($0) }.map(iso), "target_name": target,
            ] as [String: Any],
            "execution_metadata": [
                "total_time_seconds": (secondsTaken * 1000).rounded() / 1000, "execution_time_seconds": (secondsTaken * 1000).rounded() / 1000,
                "async_execution": true, "thread_pool": true, "model_version": "almanac-\(model)", "api_version": "2.0.0",
            ] as [String: Any],
        ]
    }

    /// The inline frame, or the CSV file at `data_source_url_or_path`: relative to the working directory or to
    /// `DATA_DIR`, and inside `DATA_DIR` (the seed's `data/uploads/…`); URLs are not fetched.
    func loadFrame(_ body: InferenceBody) async throws -> Frame {
        if let data = body.data {
            guard body.data_source_url_or_path == nil else { throw APIError(.unprocessableContent, "send data or data_source_url_or_path, not both") }
            let columns = data.keys.sorted()
            let n = data.values.map(\.count).max() ?? 0
            guard data.values.allSatisfy({ $0.count == n }) else { throw APIError(.unprocessableContent, "every column of data must have the same number of values") }
            return Frame(columns: columns, rows: (0..<n).map { i in columns.map { data[$0]![i].text } })
        }
        guard let raw = body.data_source_url_or_path, !raw.isEmpty else {
            throw APIError(.unprocessableContent, "data_source_url_or_path (a CSV file under DATA_DIR) or data (the frame inline) is required")
        }
        if raw.contains("://") {
            throw APIError(.unprocessableContent, "data_source_url_or_path: URLs are not fetched (a server that fetches any URL it is sent can be made to reach inside its network); upload the file (POST /upload) or send data inline")
        }
        let root = URL(fileURLWithPath: runtime.config.dataDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        var candidates = [URL(fileURLWithPath: raw)]
        if raw.hasPrefix("data/") { candidates.append(URL(fileURLWithPath: root).appendingPathComponent(String(raw.dropFirst(5)))) }
        candidates.append(URL(fileURLWithPath: root).appendingPathComponent(raw))
        let path = candidates.map { $0.standardizedFileURL.resolvingSymlinksInPath().path }
            .first { ($0 == root || $0.hasPrefix(root + "/")) && FileManager.default.fileExists(atPath: $0) }
        guard let path, path.lowercased().hasSuffix(".csv") else {
            throw APIError(.unprocessableContent, "data_source_url_or_path \"\(raw.prefix(200))\" is not a .csv file under DATA_DIR")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= runtime.config.maxUploadBytes else {
            throw APIError(.contentTooLarge, "\(raw.prefix(200)) is \(size) bytes; at most \(runtime.config.maxUploadBytes) (MAX_UPLOAD_BYTES) are read")
        }
        let rows: [[String]]
        do {
            rows = try await Compute.runThrowing { () throws -> [[String]] in
                var reader = try CSVReader(path: path)
                return try reader.readAll()
            }
        } catch let error as CSVError {
            throw APIError(.unprocessableContent, "\(raw.prefix(200)) is not a readable CSV file: \(error)")
        }
        guard let header = rows.first, !header.isEmpty else { throw APIError(.unprocessableContent, "\(raw.prefix(200)) is empty") }
        guard rows.count <= 1_000_001 else { throw APIError(.unprocessableContent, "\(raw.prefix(200)) has more than 1,000,000 rows") }
        return Frame(columns: header.map { $0.trimmingCharacters(in: .whitespaces) }, rows: Array(rows.dropFirst()).filter { !$0.allSatisfy(\.isEmpty) })
    }
}
