import ArgumentParser
import Foundation
import Models

/// One model on one series: accuracy on the held-out tail and the time to fit and forecast.
struct SeriesResult: Codable {
    var series: String
    var freq: String
    var m: Int
    var h: Int
    var n: Int
    var model: String
    var smape: Double?
    var mase: Double?
    /// Coverage of the intervals as served: calibrated on the training part's own backtest windows when the
    /// run calibrates (``rawCoverage80`` … are then the model's own intervals), the model's own otherwise.
    var coverage80: Double?
    var coverage95: Double?
    /// M4's MSIS (scaled interval score) of the served intervals at 80 and 95 %.
    var msis80: Double?
    var msis95: Double?
    var rawCoverage80: Double?
    var rawCoverage95: Double?
    var rawMsis95: Double?
    /// CPU seconds of the calibration windows' fits, on top of `seconds`; how many scores they gave.
    var calibrationSeconds: Double?
    var calibrationScores: Int?
    var seconds: Double?
    var form: String?
    var error: String?
    /// The forecast origin: 0 is the last `h` points held out, k > 0 ends the series k·h points earlier
    /// (``BenchSeries/window(origin:)``). nil in results written before origins existed, meaning 0.
    var origin: Int?
    /// With `--dump-scores`: the calibration's inputs, to study calibration rules offline.
    var scores: ScoreDump?
}

/// A window's calibration inputs: each backtest window's scores `|error| / scale` per step, the held-out
/// tail's scores and scales under the model's own (uncalibrated) forecast, and MSIS's in-sample scale.
struct ScoreDump: Codable {
    var backtest: [[Double]]
    var holdout: [Double]
    var holdoutScale: [Double]
    var msisScale: Double
}

/// A series of ../shared/data/series: the last `h` points are held out.
struct BenchSeries {
    var id: String
    var freq: String
    var m: Int
    var h: Int
    var days: [Double]
    var values: [Double]

    /// All series described in `series.csv`, read from their frequency's file.
    static func load(directory: String) throws -> [BenchSeries] {
        let described = try readCSV("\(directory)/series.csv")
        let col = { (name: String) throws -> Int in
            guard let i = described.header.firstIndex(of: name) else { throw BenchError("series.csv has no \(name) column") }
            return i
        }
        let (idCol, freqCol, mCol, hCol) = (try col("series_id"), try col("freq"), try col("m"), try col("h"))
        var byFreq: [String: [String: (days: [Double], values: [Double])]] = [:]
        var result: [BenchSeries] = []
        for row in described.rows {
            let freq = row[freqCol]
            if byFreq[freq] == nil {
                var series: [String: (days: [Double], values: [Double])] = [:]
                for r in try readCSV("\(directory)/\(freq).csv").rows where r.count >= 3 {
                    guard let day = dayNumber(r[1]), let v = Double(r[2]) else { throw BenchError("\(freq).csv: bad row \(r)") }
                    series[r[0], default: ([], [])].days.append(day)
                    series[r[0], default: ([], [])].values.append(v)
                }
                byFreq[freq] = series
            }
            guard let s = byFreq[freq]?[row[idCol]], let m = Int(row[mCol]), let h = Int(row[hCol]) else {
                throw BenchError("series \(row[idCol]) missing from \(freq).csv")
            }
            result.append(BenchSeries(id: row[idCol], freq: freq, m: m, h: h, days: s.days, values: s.values))
        }
        return result
    }

    /// The series as it stood `origin` horizons earlier: the last `origin * h` points dropped, so the window
    /// holds out the `h` points before them. Earlier windows give more forecasts per series to score (rolling
    /// origin with non-overlapping test windows). nil when the training part would be shorter than 10 points
    /// or than half the training part of origin 0: those fits would say little about the series as given.
    /// scripts/bench/peers.py applies the same rule.
    func window(origin: Int) -> BenchSeries? {
        guard origin > 0 else { return self }
        let full = values.count - h, train = values.count - (origin + 1) * h
        guard train >= 10, 2 * train >= full else { return nil }
        var cut = self
        cut.values.removeLast(origin * h)
        cut.days.removeLast(origin * h)
        return cut
    }

    /// Days since 1970-01-01 of `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (fractional for the time of day).
    static func dayNumber(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard let date = parts.first.flatMap({ CivilDate(parsing: $0) }) else { return nil }
        var day = Double(date.daysSince1970)
        if parts.count == 2 {
            let hm = parts[1].split(separator: ":").compactMap { Double($0) }
            guard hm.count >= 2 else { return nil }
            day += (hm[0] * 60 + hm[1]) / 1440
        }
        return day
    }
}

/// Fits Almanac's three models on every series (training part) and scores the forecasts of the held-out tail.
struct ModelsRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Almanac's Holt-Winters, SARIMAX and Prophet-like models on the shared series.")

    @Option(help: "Folder with series.csv and the per-frequency files.") var data = "/work/shared/data/series"
    @Option(help: "JSON-lines output, one line per (series, model, origin).") var output: String
    @Option(help: "Only series of these frequencies (comma-separated; default all).") var freq: String?
    @Option(help: "Models (comma-separated): holt_winters, sarimax, prophet, theta, auto (the backtest-chosen combination of the others).")
    var models = "holt_winters,sarimax,prophet,theta,auto"
    @Option(help: "Forecast origins (comma-separated): 0 holds out the last h points, k ends each series k·h points earlier.")
    var origins = "0"
    @Option(help: "Backtest windows on each training part whose errors calibrate the intervals (0: the models' own intervals).")
    var calibrationWindows = 4

    @Flag(help: "Write each window's calibration scores into the results (ScoreDump), to study calibration rules.")
    var dumpScores = false
    @Flag(help: "Also score auto's candidate variants: auto_singles (single models too), auto_comb (M4's Comb always).") var autoVariants = false
    @Flag(help: "Print a line per series to standard error.") var verbose = false

    @Flag(inversion: .prefixedNo, help: "Calibrate with a pool of every series' backtests per model, frequency and origin (CalibrationPool), as the forecast worker pools a tenant's categories.")
    var pool = true

    func run() throws {
        let wanted = freq.map { Set($0.split(separator: ",").map(String.init)) }
        let series = try BenchSeries.load(directory: data).filter { wanted?.contains($0.freq) ?? true }
        let names = models.split(separator: ",").map(String.init)
        let origins = try parseOrigins(self.origins)
        // First every window's fits and backtests, then the pools of their backtests (one per model, frequency
        // and origin: an origin's pool holds no window of another origin's held-out part), then the scores.
        var pending: [(window: BenchSeries, origin: Int, evaluations: [Evaluation])] = []
        var pools: [String: CalibrationPool] = [:]
        for s in series {
            for origin in origins {
                guard let window = s.window(origin: origin) else { continue }
                var evaluations: [String: Evaluation] = [:]
                for name in names where name != "auto" { evaluations[name] = evaluate(window, model: name) }
                var list = names.filter { $0 != "auto" }.compactMap { evaluations[$0] }
                if names.contains("auto") {
                    list.append(auto(window, evaluations))
                    if autoVariants {
                        // The same members, other candidate sets: the combinations only, and M4's Comb always.
                        for (name, candidates, singles) in [("auto_singles", Self.combinations, true), ("auto_comb", [Self.combinations[0]], false)] {
                            var v = auto(window, evaluations, candidates: candidates, singles: singles)
                            v.result.model = name
                            list.append(v)
                        }
                    }
                }
                for e in list { if let c = e.calibration { pools[poolKey(window, origin, e.result.model), default: CalibrationPool()].add(c) } }
                pending.append((window, origin, list))
                if verbose {
                    let line = list.map { "\($0.result.model) \(fmt($0.result.mase ?? .nan)) \(fmt($0.result.seconds ?? .nan, 3))s" }
                    FileHandle.standardError.write(Data("\(s.id)@\(origin): \(line.joined(separator: ", "))\n".utf8))
                }
            }
        }
        var results: [SeriesResult] = []
        for (window, origin, list) in pending {
            for e in list {
                var r = finish(e, window, pool: pool ? pools[poolKey(window, origin, e.result.model)] : nil)
                r.origin = origin
                results.append(r)
            }
        }
        try writeJSONLines(results, to: output)
        FileHandle.standardError.write(Data("almanac: \(results.count) fits on \(series.count) series -> \(output)\n".utf8))
    }

    func poolKey(_ s: BenchSeries, _ origin: Int, _ model: String) -> String { "\(model)/\(s.freq)/\(origin)" }

    /// The window's result with its intervals as served: calibrated by the pool where it can, by the window's
    /// own backtests otherwise (IntervalCalibration.apply(to:pool:)).
    func finish(_ e: Evaluation, _ s: BenchSeries, pool: CalibrationPool?) -> SeriesResult {
        var r = e.result
        guard var forecast = e.forecast else { return r }
        if let c = e.calibration { forecast = c.apply(to: forecast, pool: pool) }
        score(forecast, s, into: &r)
        return r
    }

    /// Fits `model` on `values` (with their `days`) and forecasts the `h` points after them, at `futureDays`.
    func forecast(_ model: String, days: [Double], values: [Double], futureDays: [Double], period: Int) throws -> (Forecast, String) {
        let h = futureDays.count
        switch model {
        case "holt_winters":
            let fit = try HoltWinters.fitCombination(values, period: period, horizon: h)
            return (fit.forecast(horizon: h, levels: [80, 95]), fit.summary.form)
        case "sarimax":
            let fit = try SARIMAX.fitAuto(values, period: period)
            return (fit.forecast(horizon: h, levels: [80, 95]), fit.summary.form)
        case "prophet":
            let fit = try Prophet.fit(days: days, values: values)
            return (try fit.predict(days: futureDays, levels: [80, 95]), fit.summary.form)
        case "theta":
            let fit = try Theta.fit(values, period: period)
            return (fit.forecast(horizon: h, levels: [80, 95]), fit.summary.form)
        default:
            throw BenchError("unknown model \(model)")
        }
    }

    /// One model on one window: its scores, its own (uncalibrated) forecast of the held-out tail, and its
    /// backtest windows on the training part, keyed by origin (the cut); the partial ones at the end too.
    struct Evaluation {
        var result: SeriesResult
        /// The forecast of the held-out tail with the model's own intervals, and its backtests' calibration.
        var forecast: Forecast?
        var calibration: IntervalCalibration?
        var backtests: [Int: Forecast] = [:]
    }

    /// The backtest origins on a training part of `split` points, as the forecast worker takes them
    /// (IntervalCalibration.origins): up to `calibrationWindows` cuts h apart, each leaving at least 8 points
    /// and half the training part; on short series cuts one step apart, and then the partial windows at the end
    /// (`all`: calibration only; `full` are the windows auto chooses on).
    func origins(split: Int, h: Int) -> (full: [Int], all: [Int]) {
        guard calibrationWindows > 0 else { return ([], []) }
        return IntervalCalibration.origins(count: split, horizon: h, windows: calibrationWindows, minTrain: max(8, split / 2))
    }

    func evaluate(_ s: BenchSeries, model: String) -> Evaluation { evaluateResult(s, model: model) }

    /// Scores `forecast` (served intervals) on the window's test part into `r`.
    func score(_ forecast: Forecast, _ s: BenchSeries, into r: inout SeriesResult) {
        let split = s.values.count - s.h
        let train = Array(s.values[..<split]), test = Array(s.values[split...])
        r.smape = finite(AccuracyMetrics.smape(actual: test, forecast: forecast.mean))
        r.mase = finite(AccuracyMetrics.mase(actual: test, forecast: forecast.mean, insample: train, period: s.m))
        if let i80 = forecast.interval(level: 80) {
            r.coverage80 = AccuracyMetrics.coverage(actual: test, lower: i80.lower, upper: i80.upper)
            r.msis80 = finite(AccuracyMetrics.msis(actual: test, lower: i80.lower, upper: i80.upper, level: 80, insample: train, period: s.m))
        }
        if let i95 = forecast.interval(level: 95) {
            r.coverage95 = AccuracyMetrics.coverage(actual: test, lower: i95.lower, upper: i95.upper)
            r.msis95 = finite(AccuracyMetrics.msis(actual: test, lower: i95.lower, upper: i95.upper, level: 95, insample: train, period: s.m))
        }
    }

    /// The automatic model, as the forecast worker makes it: the combination of the other models chosen on their backtest windows
    /// (ForecastCombination), served with intervals calibrated on the combination's own backtest errors.
    func auto(_ s: BenchSeries, _ evaluations: [String: Evaluation], candidates sets: [[String]] = ModelsRun.combinations, singles: Bool = false) -> Evaluation {
        var r = SeriesResult(series: s.id, freq: s.freq, m: s.m, h: s.h, n: s.values.count, model: "auto")
        let split = s.values.count - s.h
        let members = evaluations.keys.filter { evaluations[$0]?.forecast != nil }.sorted()
        guard !members.isEmpty else {
            r.error = "no member forecast"
            return Evaluation(result: r)
        }
        // The members' backtest windows at `cut` (a partial one ends at the split).
        func window(_ cut: Int) -> ForecastCombination.Window {
            ForecastCombination.Window(
                insample: Array(s.values[..<cut]), actual: Array(s.values[cut..<min(cut + s.h, split)]),
                forecasts: evaluations.compactMapValues { $0.backtests[cut] })
        }
        let (full, all) = origins(split: split, h: s.h)
        let windows = full.map(window)
        var candidates = ForecastCombination.candidates(members: members, combinations: sets).filter { singles || $0.count > 1 }
        if candidates.isEmpty { candidates = members.map { [$0] } }
        let choice = ForecastCombination.choose(candidates, windows: windows, period: s.m, fallback: Self.fallback.filter(members.contains))
        guard let forecast = ForecastCombination.combined(choice, evaluations.compactMapValues(\.forecast)) else {
            r.error = "no forecast for \(choice.label)"
            return Evaluation(result: r)
        }
        r.form = choice.label
        r.seconds = members.reduce(0) { $0 + (evaluations[$1]?.result.seconds ?? 0) }
        r.calibrationSeconds = members.reduce(0) { $0 + (evaluations[$1]?.result.calibrationSeconds ?? 0) }
        if let i95 = forecast.interval(level: 95) {
            r.rawCoverage95 = AccuracyMetrics.coverage(actual: Array(s.values[split...]), lower: i95.lower, upper: i95.upper)
        }
        // Calibrated on every backtest window, the partial ones at the end too (as each member is).
        return Evaluation(result: r, forecast: forecast, calibration: ForecastCombination.calibration(choice, windows: all.map(window)))
    }

    /// The combinations `auto` may choose beside each single model: M4's Comb (ETS, ARIMA, Theta) and all four.
    static let combinations = [["holt_winters", "sarimax", "theta"], ["holt_winters", "sarimax", "theta", "prophet"]]
    static let fallback = ["holt_winters", "sarimax", "theta"]

    func evaluateResult(_ s: BenchSeries, model: String) -> Evaluation {
        var r = SeriesResult(series: s.id, freq: s.freq, m: s.m, h: s.h, n: s.values.count, model: model)
        let split = s.values.count - s.h
        guard split > 2 else {
            r.error = "too short"
            return Evaluation(result: r)
        }
        let train = Array(s.values[..<split]), test = Array(s.values[split...])
        let start = cpuNow()
        let forecast: Forecast
        do {
            (forecast, r.form) = try self.forecast(
                model, days: Array(s.days[..<split]), values: train, futureDays: Array(s.days[split...]), period: s.m)
        } catch {
            r.error = "\(error)"
            return Evaluation(result: r)
        }
        r.seconds = cpuNow() - start
        guard forecast.mean.allSatisfy(\.isFinite) else {
            r.error = "non-finite forecast"
            return Evaluation(result: r)
        }
        var evaluation = Evaluation(result: r, forecast: forecast)
        r.smape = finite(AccuracyMetrics.smape(actual: test, forecast: forecast.mean))
        r.mase = finite(AccuracyMetrics.mase(actual: test, forecast: forecast.mean, insample: train, period: s.m))
        if let i80 = forecast.interval(level: 80) { r.rawCoverage80 = AccuracyMetrics.coverage(actual: test, lower: i80.lower, upper: i80.upper) }
        if let i95 = forecast.interval(level: 95) {
            r.rawCoverage95 = AccuracyMetrics.coverage(actual: test, lower: i95.lower, upper: i95.upper)
            r.rawMsis95 = finite(AccuracyMetrics.msis(actual: test, lower: i95.lower, upper: i95.upper, level: 95, insample: train, period: s.m))
        }
        if calibrationWindows > 0 {
            // The worker's way: backtest windows on the training part only, each forecasting h points.
            let calibrationStart = cpuNow()
            var calibration = IntervalCalibration()
            var dump = ScoreDump(backtest: [], holdout: [], holdoutScale: [], msisScale: .nan)
            for cut in origins(split: split, h: s.h).all {
                guard let (f, _) = try? self.forecast(
                    model, days: Array(s.days[..<cut]), values: Array(s.values[..<cut]),
                    futureDays: Array(s.days[cut..<(cut + s.h)]), period: s.m), f.mean.allSatisfy(\.isFinite)
                else { continue }
                // A partial window (less than h before the split) is scored on its steps before the split only.
                let before = calibration.count
                calibration.record(forecast: f, actual: Array(s.values[cut..<min(cut + s.h, split)]), origin: cut)
                if dumpScores { dump.backtest.append(Array(calibration.scores[before...])) }
                evaluation.backtests[cut] = f
            }
            r.calibrationSeconds = cpuNow() - calibrationStart
            r.calibrationScores = calibration.count
            if dumpScores, let scale = IntervalCalibration.scale(of: forecast) {
                dump.holdout = test.indices.map { abs(test[$0] - forecast.mean[$0]) / scale[$0] }
                dump.holdoutScale = scale
                let lag = train.count > s.m ? max(s.m, 1) : 1
                dump.msisScale = (lag..<train.count).reduce(0.0) { $0 + abs(train[$1] - train[$1 - lag]) } / Double(max(1, train.count - lag))
                r.scores = dump
            }
            evaluation.calibration = calibration
        }
        evaluation.result = r
        return evaluation
    }

    private func finite(_ v: Double) -> Double? { v.isFinite ? v : nil }
}

extension SeriesResult {
    init(series: String, freq: String, m: Int, h: Int, n: Int, model: String) {
        self.init(
            series: series, freq: freq, m: m, h: h, n: n, model: model, smape: nil, mase: nil, coverage80: nil,
            coverage95: nil, msis80: nil, msis95: nil, rawCoverage80: nil, rawCoverage95: nil, rawMsis95: nil,
            calibrationSeconds: nil, calibrationScores: nil, seconds: nil, form: nil, error: nil, origin: nil, scores: nil)
    }
}

/// `0,1,2` → [0, 1, 2]; a ValidationError names a bad entry.
func parseOrigins(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map { part in
        guard let k = Int(part.trimmingCharacters(in: .whitespaces)), k >= 0 else {
            throw ValidationError("--origins: '\(part)' is not a non-negative integer")
        }
        return k
    }
}
