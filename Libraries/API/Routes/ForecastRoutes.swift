import Config
import Foundation
import Hummingbird
import Models
import Workflows
import Store

/// `POST /forecast`: stateless inference for scripts (seed 001's inference endpoint), computed synchronously
/// within `FORECAST_REQUEST_SECONDS`: past it, the model searches stop and answer with the best model so far,
/// and the model's `notes` say so.
struct ForecastRoutes {
    let runtime: AlmanacRuntime

    struct Point: Decodable {
        var date: String
        var value: Double?
    }

    struct Body: Decodable {
        var series: [Point]
        var horizon: WholeNumber?
        var models: [String]?
        var levels: [Double]?
        var exog: [String: [Double]]?
    }

    struct ModelOutput: Codable, Sendable {
        var model: String
        var form: String?
        var dates: [String]
        var mean: [Double]
        var lower: [String: [Double]]
        var upper: [String: [Double]]
        var parameters: [String: Double]?
        var aicc: Double?
        var notes: [String]
        var error: String?
    }

    struct Output: Codable, Sendable {
        var horizon: Int
        var levels: [Double]
        var models: [ModelOutput]
    }

    static let maxPoints = 100_000
    static let maxHorizon = 1000

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        let seconds = runtime.config.forecastRequestSeconds
        registry.add(router, .post, "/forecast", summary: "Forecast a JSON series with the chosen models (synchronous)", response: Output.self, body: Body.self) { request, context in
            // The budget runs from the request's arrival: decoding and waiting for a compute thread count too.
            let budget = seconds > 0 ? TimeBudget(.seconds(seconds)) : nil
            let body = try await JSONBody.decode(Body.self, request, context)
            let output = try await Self.forecast(body, budget: budget)
            return try JSONResponse.make(output)
        }
    }

    /// `budget`: when the model searches must stop (nil: they run to the end).
    static func forecast(_ body: Body, budget: TimeBudget? = nil) async throws -> Output {
        let horizon = try (body.horizon ?? WholeNumber(30)).checked("horizon", in: 1...maxHorizon)
        let levels = body.levels ?? [80, 95]
        // 0.5 + level / 200 must stay below 1 in floating point (99.99999999999999 rounds to 1: no quantile).
        guard !levels.isEmpty, levels.count <= 10, levels.allSatisfy({ $0 > 0 && $0 < 100 && 0.5 + $0 / 200 < 1 }) else {
            throw APIError.badRequest("levels must be 1 to 10 numbers strictly between 0 and 100")
        }
        let names = body.models ?? ["holt_winters", "sarimax", "prophet"]
        guard !names.isEmpty else { throw APIError.badRequest("models must name at least one of holt_winters, sarimax, prophet, theta") }
        var models: [ModelType] = []
        for name in names {
            guard let m = ModelType(rawValue: name), m != .auto else {
                let why = name == "auto" ? "auto is chosen on the forecast worker's backtests of a category (GET /forecast-data?model_type=auto)" : "unknown model"
                throw APIError.badRequest("\(why) \"\(name.prefix(40))\": use holt_winters, sarimax, prophet or theta")
            }
            if !models.contains(m) { models.append(m) }
        }
        guard body.series.count <= maxPoints else { throw APIError.badRequest("series has more than \(maxPoints) points") }
        guard body.series.count >= 8 else { throw APIError.badRequest("series is too short: \(body.series.count) points, at least 8 are needed") }
        var days: [Int32] = []
        var values: [Double] = []
        for (i, p) in body.series.enumerated() {
            guard let d = DayNumber.parse(p.date) else { throw APIError.badRequest("series[\(i)].date is not a valid YYYY-MM-DD date") }
            guard let v = p.value else { throw APIError.badRequest("series[\(i)].value is missing or null") }
            guard v.isFinite else { throw APIError.badRequest("series[\(i)].value is not a finite number") }
            if let last = days.last, d <= last { throw APIError.badRequest("series dates must be strictly increasing (series[\(i)].date)") }
            days.append(d)
            values.append(v)
        }
        // Exogenous regressors: each named column covers every history date and then every forecast date.
        let exog = body.exog ?? [:]
        guard exog.count <= 20 else { throw APIError.badRequest("exog has \(exog.count) regressors; at most 20 are allowed") }
        for (name, column) in exog.sorted(by: { $0.key < $1.key }) {
            guard column.count == values.count + horizon else {
                throw APIError.badRequest("exog[\"\(name.prefix(40))\"] has \(column.count) values; it needs one per series point and per forecast step (\(values.count) + \(horizon) = \(values.count + horizon))")
            }
            guard column.allSatisfy(\.isFinite) else { throw APIError.badRequest("exog[\"\(name.prefix(40))\"] holds a value that is not a finite number") }
        }
        // The step between dates: the most common gap (daily, weekly, …); dates continue at that step.
        var gaps: [Int32: Int] = [:]
        for i in 1..<days.count { gaps[days[i] - days[i - 1], default: 0] += 1 }
        let step = gaps.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
        let period = step == 1 ? 7 : (step == 7 ? 52 : (step >= 28 && step <= 31 ? 12 : 1))
        let usablePeriod = values.count >= 2 * period + 2 ? period : 1
        let lastDay = days.last!
        let lastForecastDay = Int(lastDay) + horizon * Int(step)
        guard lastForecastDay <= Int(DayNumber.from(year: 9999, month: 12, day: 31)) else {
            throw APIError.badRequest("the forecast would run past 9999-12-31 (last date \(DayNumber.format(lastDay)), \(horizon) steps of \(step) days)")
        }
        let dates = (1...horizon).map { DayNumber.format(lastDay + Int32($0) * step) }
        let history = values, firstDay = days[0], chosen = models, stepDays = Double(step)
        let outputs = await withTaskGroup(of: ModelOutput.self) { group in
            for model in chosen {
                group.addTask {
                    do {
                        // Off the cooperative pool: a fit there would hold back every other request.
                        let (fitted, f, exogNote) = try await Compute.runThrowing {
                            try Self.fitAndForecast(
                                model, history: history, firstDay: firstDay, stepDays: stepDays, period: usablePeriod,
                                horizon: horizon, levels: levels, exog: exog, budget: budget)
                        }
                        // Huge inputs (1e170) can overflow a model's arithmetic: that model reports it, the others answer.
                        guard f.mean.allSatisfy(\.isFinite), f.intervals.allSatisfy({ $0.lower.allSatisfy(\.isFinite) && $0.upper.allSatisfy(\.isFinite) }) else {
                            throw ModelError("\(model.rawValue) produced non-finite forecasts or intervals (values too large for its arithmetic?)")
                        }
                        var lower: [String: [Double]] = [:], upper: [String: [Double]] = [:]
                        for interval in f.intervals {
                            let key = interval.level == interval.level.rounded() ? String(Int(interval.level)) : String(interval.level)
                            lower[key] = interval.lower
                            upper[key] = interval.upper
                        }
                        return ModelOutput(
                            model: model.rawValue, form: fitted.summary.form, dates: dates, mean: f.mean, lower: lower, upper: upper,
                            parameters: fitted.summary.parameters.filter { $0.value.isFinite }, aicc: fitted.summary.criteria.flatMap { $0.aicc.isFinite ? $0.aicc : nil },
                            notes: fitted.summary.notes + (exogNote.map { [$0] } ?? []), error: nil)
                    } catch {
                        return ModelOutput(model: model.rawValue, form: nil, dates: dates, mean: [], lower: [:], upper: [:],
                                           parameters: nil, aicc: nil, notes: [], error: "\(error)")
                    }
                }
            }
            var out: [ModelOutput] = []
            for await o in group { out.append(o) }
            return out.sorted { chosen.firstIndex(of: ModelType(rawValue: $0.model)!)! < chosen.firstIndex(of: ModelType(rawValue: $1.model)!)! }
        }
        return Output(horizon: horizon, levels: levels, models: outputs)
    }

    /// Fits one model, with the exogenous regressors where the family supports them, and forecasts.
    static func fitAndForecast(
        _ model: ModelType, history: [Double], firstDay: Int32, stepDays: Double, period: Int,
        horizon: Int, levels: [Double], exog: [String: [Double]], budget: TimeBudget? = nil
    ) throws -> (any FittedForecaster, Forecast, String?) {
        let n = history.count
        if exog.isEmpty {
            let fitted = try ForecastEngine.fit(model, values: history, startDay: firstDay, period: period, horizon: horizon, budget: budget)
            return (fitted, fitted.forecast(horizon: horizon, levels: levels), nil)
        }
        let names = exog.keys.sorted()
        switch model {
        case .holtWinters, .theta, .auto:
            let fitted = try ForecastEngine.fit(model, values: history, startDay: firstDay, period: period, horizon: horizon, budget: budget)
            return (fitted, fitted.forecast(horizon: horizon, levels: levels), "\(model == .theta ? "the theta method" : "exponential smoothing") has no exogenous regressors: exog ignored")
        case .sarimax:
            let rows = (0..<(n + horizon)).map { t in names.map { exog[$0]![t] } }
            let fitted = try SARIMAX.fitAuto(history, period: period, exog: Array(rows[..<n]), budget: budget)
            let f = try fitted.forecast(horizon: horizon, levels: levels, exog: Array(rows[n...]))
            return (fitted, f, nil)
        case .prophet:
            let days = (0..<(n + horizon)).map { Double(firstDay) + stepDays * Double($0) }
            let past = exog.mapValues { Array($0[..<n]) }
            let future = exog.mapValues { Array($0[n...]) }
            let fitted = try Prophet.fit(days: Array(days[..<n]), values: history, regressors: past)
            let f = try fitted.predict(days: Array(days[n...]), levels: levels, regressors: future)
            return (fitted, f, nil)
        }
    }
}
