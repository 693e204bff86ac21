public import Models
public import Store
import Metrics
import Synchronization

/// Fits Almanac's three forecasting families on one daily series, and backtests them.
public enum ForecastEngine {
    public struct Options: Sendable {
        public var horizon: Int
        public var period: Int
        public var levels: [Double]
        public var backtestWindows: Int
        /// The active parameter sets (`PUT /model-params/{id}/activate`): Prophet's options, and a season
        /// length per model type that overrides `period`. `parametersTag` names the sets, for the fingerprint.
        public var prophet: ProphetOptions = .default
        public var periods: [ModelType: Int] = [:]
        /// How Holt-Winters weighs its ETS forms (`"weights"` of a holt_winters parameter set).
        public var etsWeighting: ETSWeighting = .akaike
        public var parametersTag: String = ""
        /// Per model, the backtests of other series (a deployment's other categories) that calibrate this one's
        /// intervals where they can (CalibrationPool); a model without a pool calibrates on its own backtest.
        public var pools: [ModelType: CalibrationPool] = [:]

        public init(horizon: Int = 30, period: Int = 7, levels: [Double] = [80, 95], backtestWindows: Int = 3) {
            self.horizon = horizon
            self.period = period
            self.levels = levels
            self.backtestWindows = backtestWindows
        }

        public func period(for model: ModelType) -> Int { periods[model] ?? period }
    }

    /// One model's outcome: a forecast, or the error that stopped it.
    public struct ModelRun: Sendable {
        public var model: ModelType
        /// The forecast as served: its intervals calibrated on the backtest's errors.
        public var forecast: Forecast?
        public var summary: ModelSummary?
        public var error: String?
        public var backtest: Backtest?
        /// The model's own forecast, and its backtest windows' forecasts keyed by origin, for `auto`.
        var ownForecast: Forecast?
        /// The model's own forecasts at the backtest origins, keyed by the index of the first day forecast.
        public internal(set) var windows: [Int: Forecast] = [:]
        /// The backtest's scores, which calibrate the intervals and join other categories' pools.
        public internal(set) var calibration: IntervalCalibration?
        /// The partial windows at the end of a short history (calibration only), keyed like `windows`.
        var partialWindows: [Int: Forecast] = [:]
    }

    public struct Backtest: Sendable, Equatable {
        public var smape: Double
        public var mase: Double
        public var coverage80: Double
        public var coverage95: Double
        public var windows: Int
    }

    /// The combinations `auto` chooses among (ForecastCombination): M4's Comb of ETS, ARIMA and Theta, and all
    /// four. Without backtest windows it serves the first.
    public static let combinations: [[ModelType]] = [[.holtWinters, .sarimax, .theta], [.holtWinters, .sarimax, .theta, .prophet]]

    /// Fits one model family on `values` (one value per day starting at `startDay`), for forecasts
    /// `horizon` days ahead (Holt-Winters' multi-step weights use it). With a `budget`, Holt-Winters' forms
    /// and validation refits and SARIMAX's order search stop when it runs out (their notes say so); Prophet's
    /// single fit takes well under a second even on 100,000 points and has none.
    public static func fit(
        _ model: ModelType, values: [Double], startDay: Int32, period: Int, prophet: ProphetOptions = .default,
        etsWeighting: ETSWeighting = .akaike, horizon: Int = 1, budget: TimeBudget? = nil
    ) throws -> any FittedForecaster {
        switch model {
        case .holtWinters:
            return try HoltWinters.fitCombination(values, period: period, weighting: etsWeighting, horizon: horizon, budget: budget)
        case .sarimax:
            return try SARIMAX.fitAuto(values, period: period, budget: budget)
        case .prophet:
            let days = (0..<values.count).map { Double(startDay) + Double($0) }
            return try Prophet.fit(days: days, values: values, options: prophet)
        case .theta:
            return try Theta.fit(values, period: period)
        case .auto:
            throw ModelError("auto is the combination of the other models chosen on their backtests: ForecastEngine.run makes it")
        }
    }

    /// Fits, forecasts and backtests every model, the models in parallel across cores.
    ///
    /// Cancelling the calling task (a worker's shutdown grace period running out) stops the work at the next
    /// fit: the fits run on Dispatch threads, where `Task.isCancelled` cannot be seen, so they look at a flag
    /// the cancellation sets. A cancelled run throws `CancellationError` instead of returning partial results.
    /// With `.auto` among `models`, the fitted models it needs run too and `auto` is made from their backtests.
    /// `progress` hears (models done, models to fit) as each model's fit and backtest finish.
    public static func run(
        values: [Double], startDay: Int32, models: [ModelType] = ModelType.allCases, options: Options,
        progress: (@Sendable (_ done: Int, _ total: Int) async -> Void)? = nil
    ) async throws -> [ModelRun] {
        let cancelled = CancellationFlag()
        let fitted = models.contains(.auto) ? ModelType.fitted : models.filter { $0 != .auto }
        var runs = await withTaskCancellationHandler {
            await withTaskGroup(of: ModelRun.self) { group in
                for model in fitted {
                    group.addTask {
                        await Compute.run { runOne(model, values: values, startDay: startDay, options: options, cancelled: cancelled) }
                    }
                }
                var runs: [ModelRun] = []
                for await run in group {
                    runs.append(run)
                    await progress?(runs.count, fitted.count)
                }
                return runs
            }
        } onCancel: {
            cancelled.set()
        }
        if cancelled.isSet { throw CancellationError() }
        if models.contains(.auto) { runs.append(auto(runs, values: values, options: options)) }
        return runs.filter { models.contains($0.model) }.sorted { models.firstIndex(of: $0.model)! < models.firstIndex(of: $1.model)! }
    }

    /// `auto` from the fitted models' runs: the combination with the lowest backtest MASE
    /// (ForecastCombination), its intervals calibrated on its own backtest errors. Its backtest row is that
    /// of the choice on the same windows, so its MASE is the lowest of the candidates' by construction (a
    /// selection's optimism); its coverages are leave-one-window-out like the others'.
    static func auto(_ runs: [ModelRun], values: [Double], options: Options) -> ModelRun {
        var run = ModelRun(model: .auto)
        let members = runs.filter { $0.ownForecast != nil }.map(\.model.rawValue).sorted()
        guard !members.isEmpty else {
            run.error = "auto: every model failed"
            return run
        }
        let cuts = Set(runs.flatMap(\.windows.keys)).sorted()
        let h = runs.compactMap { $0.windows.values.first?.mean.count }.first ?? 0
        // A window at `cut` from each run's forecasts there: its backtest windows, or the partial ones at the end.
        func window(_ cut: Int, _ forecasts: KeyPath<ModelRun, [Int: Forecast]>) -> ForecastCombination.Window {
            ForecastCombination.Window(
                insample: Array(values[..<cut]), actual: Array(values[cut..<min(cut + h, values.count)]),
                forecasts: Dictionary(uniqueKeysWithValues: runs.compactMap { r in r[keyPath: forecasts][cut].map { (r.model.rawValue, $0) } }))
        }
        let windows = cuts.map { window($0, \.windows) }
        // Combinations only: on the benchmark, picking a single model on so few windows chose worse (mean MASE
        // 2.160 against 2.134 for the combinations, 356 windows; BENCHMARKS.md); a single member is the choice
        // only when it is the only one that forecast.
        var candidates = ForecastCombination.candidates(members: members, combinations: combinations.map { $0.map(\.rawValue) })
            .filter { $0.count > 1 }
        if candidates.isEmpty { candidates = members.map { [$0] } }
        let fallback = combinations[0].map(\.rawValue).filter(members.contains)
        let choice = ForecastCombination.choose(candidates, windows: windows, period: options.period, fallback: fallback.isEmpty ? [members[0]] : fallback)
        let own = Dictionary(uniqueKeysWithValues: runs.compactMap { r in r.ownForecast.map { (r.model.rawValue, $0) } })
        // Calibrated on every backtest window, the partial ones at the end of a short history too, as each member is.
        let partial = Set(runs.flatMap(\.partialWindows.keys)).sorted().map { window($0, \.partialWindows) }
        guard let combined = ForecastCombination.combined(choice, own) else {
            run.error = "auto: no forecast for \(choice.label)"
            return run
        }
        let calibration = ForecastCombination.calibration(choice, windows: windows + partial)
        run.forecast = calibration.apply(to: combined, pool: options.pools[.auto])
        run.calibration = calibration
        let note = choice.score.map { "chosen on \(windows.count) backtest windows (MASE \(($0 * 1000).rounded() / 1000))" } ?? "no backtest window: the default combination"
        run.summary = ModelSummary(form: choice.label, parameters: [:], criteria: nil, notes: [note])
        // The choice's backtest: its combined forecasts on the windows every member forecast.
        let tested = windows.compactMap { w -> (forecast: Forecast, actual: [Double], insample: [Double])? in
            ForecastCombination.combined(choice, w.forecasts).map { ($0, w.actual, w.insample) }
        }
        if !tested.isEmpty { run.backtest = score(tested, period: options.period, pool: options.pools[.auto]) }
        return run
    }

    /// Backtest scores of forecasts at their origins: sMAPE, MASE, and the leave-one-window-out coverages of
    /// the calibrated intervals (a window the others cannot calibrate is scored with the model's own).
    static func score(_ tested: [(forecast: Forecast, actual: [Double], insample: [Double])], period: Int, pool: CalibrationPool? = nil) -> Backtest {
        var smapes: [Double] = [], mases: [Double] = [], c80: [Double] = [], c95: [Double] = []
        for (i, t) in tested.enumerated() {
            smapes.append(AccuracyMetrics.smape(actual: t.actual, forecast: t.forecast.mean))
            let mase = AccuracyMetrics.mase(actual: t.actual, forecast: t.forecast.mean, insample: t.insample, period: period)
            if mase.isFinite { mases.append(mase) }
            var others = IntervalCalibration()
            for (j, u) in tested.enumerated() where j != i { others.record(forecast: u.forecast, actual: u.actual, origin: u.insample.count) }
            let f = others.apply(to: t.forecast, pool: pool)
            if let i80 = f.interval(level: 80) { c80.append(AccuracyMetrics.coverage(actual: t.actual, lower: i80.lower, upper: i80.upper)) }
            if let i95 = f.interval(level: 95) { c95.append(AccuracyMetrics.coverage(actual: t.actual, lower: i95.lower, upper: i95.upper)) }
        }
        return Backtest(
            smape: Statistics.mean(smapes), mase: mases.isEmpty ? .nan : Statistics.mean(mases),
            coverage80: c80.isEmpty ? .nan : Statistics.mean(c80), coverage95: c95.isEmpty ? .nan : Statistics.mean(c95),
            windows: tested.count)
    }

    /// Set once by a task's cancellation handler, read by the fits between windows.
    final class CancellationFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    static func runOne(_ model: ModelType, values: [Double], startDay: Int32, options: Options, cancelled: CancellationFlag) -> ModelRun {
        var run = ModelRun(model: model)
        let started = ContinuousClock.now
        defer {
            Metrics.Timer(label: "almanac_model_fit_seconds", dimensions: [("model", model.rawValue), ("outcome", run.error == nil ? "ok" : "error")])
                .record(duration: ContinuousClock.now - started)
        }
        do {
            let fitted = try fit(
                model, values: values, startDay: startDay, period: options.period(for: model), prophet: options.prophet,
                etsWeighting: options.etsWeighting, horizon: options.horizon)
            run.summary = fitted.summary
            run.forecast = fitted.forecast(horizon: options.horizon, levels: options.levels)
            if let f = run.forecast, f.mean.contains(where: { !$0.isFinite }) {
                run.forecast = nil
                run.error = "\(model.rawValue) produced non-finite forecasts"
            }
        } catch {
            run.error = "\(error)"
        }
        guard !cancelled.isSet else { return run }
        let tested = backtest(model, values: values, startDay: startDay, options: options, cancelled: cancelled)
        run.backtest = tested?.backtest
        run.windows = tested?.windows ?? [:]
        run.partialWindows = tested?.partial ?? [:]
        run.ownForecast = run.forecast
        // The backtest's errors calibrate the served intervals (IntervalCalibration): no extra fit.
        run.calibration = tested?.calibration
        if let calibration = tested?.calibration, let forecast = run.forecast {
            run.forecast = calibration.apply(to: forecast, pool: options.pools[model])
        }
        return run
    }

    /// Rolling-origin backtest: `windows` origins, each forecasting `h` days after it, and the interval
    /// calibration of their errors. The coverages reported are those of the calibrated intervals, each window
    /// scored with the calibration of the other windows (leave one window out), so no window grades itself;
    /// a window the others cannot calibrate (too few scores) is scored with the model's own intervals.
    static func backtest(
        _ model: ModelType, values: [Double], startDay: Int32, options: Options, cancelled: CancellationFlag
    ) -> (backtest: Backtest, calibration: IntervalCalibration, windows: [Int: Forecast], partial: [Int: Forecast])? {
        let n = values.count
        let h = min(options.horizon, max(1, n / 5))
        let minTrain = max(2 * options.period + 2, 14)
        // `backtestWindows` origins h apart; on a short history, origins one step apart and the partial windows
        // at the end too, which only calibrate (IntervalCalibration.origins).
        let origins = IntervalCalibration.origins(count: n, horizon: h, windows: options.backtestWindows, minTrain: minTrain)
        guard !origins.full.isEmpty else { return nil }
        var tested: [(forecast: Forecast, actual: [Double], insample: [Double])] = []
        var byCut: [Int: Forecast] = [:], partial: [Int: Forecast] = [:]
        var calibration = IntervalCalibration()
        for cut in origins.all {
            if cancelled.isSet { return nil }
            let train = Array(values[0..<cut])
            let test = Array(values[cut..<min(cut + h, n)])
            guard let fitted = try? fit(
                model, values: train, startDay: startDay, period: options.period(for: model), prophet: options.prophet,
                etsWeighting: options.etsWeighting, horizon: h)
            else { continue }
            let f = fitted.forecast(horizon: h, levels: [80, 95])
            guard f.mean.allSatisfy(\.isFinite) else { continue }
            calibration.record(forecast: f, actual: test, origin: cut)
            guard test.count == h else {
                partial[cut] = f
                continue
            }
            tested.append((f, test, train))
            byCut[cut] = f
        }
        guard !tested.isEmpty else { return nil }
        return (score(tested, period: options.period, pool: options.pools[model]), calibration, byCut, partial)
    }

    /// Daily totals with missing days as 0, from the first to the last observed day.
    public static func dailyFilled(_ series: CategorySeries) -> (startDay: Int32, values: [Double]) {
        guard let first = series.days.first, let last = series.days.last else { return (0, []) }
        var values = [Double](repeating: 0, count: Int(last - first) + 1)
        for (d, v) in zip(series.days, series.totals) { values[Int(d - first)] += v }
        return (first, values)
    }
}
