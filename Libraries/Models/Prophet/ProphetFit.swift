#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The additive components of a prediction, in the units of the data; `yhat` is their sum.
public struct ProphetComponents: Sendable, Equatable {
    public var trend: [Double]
    /// Seasonality name ("yearly", "weekly", "daily") → its effect.
    public var seasonalities: [String: [Double]]
    /// Sum of all holiday effects.
    public var holidays: [Double]
    /// Regressor name → its effect (β × standardised value).
    public var regressors: [String: [Double]]
    public var yhat: [Double]
}

/// A fitted Prophet-like model.
public struct ProphetFit: FittedForecaster {
    public let summary: ModelSummary
    public let options: ProphetOptions
    /// In-sample fitted values (Prophet's `yhat` on the history).
    public let fitted: [Double]
    /// MAP trend parameters on Prophet's scale (y / yScale, t = (day − first day) / span).
    public let k: Double
    public let m: Double
    public let delta: [Double]
    /// MAP observation noise sd on the scaled data (Prophet's `sigma_obs`).
    public let sigma: Double
    public let yScale: Double
    /// Days of the potential changepoints (empty when there are none; Prophet then keeps a dummy at t = 0).
    public let changepointDays: [Double]
    /// L-BFGS iterations of the MAP fit.
    public let iterations: Int

    let features: ProphetFeatures
    let beta: [Double]
    let start: Double
    let tScale: Double
    let changepointsT: [Double]
    let lastDay: Double
    let spacing: Double
    let historyStepT: Double
    let lastRegressorValues: [String: Double]

    init(
        options: ProphetOptions, days: [Double], values: [Double], regressorsHistory: [String: [Double]],
        features: ProphetFeatures, start: Double, tScale: Double, yScale: Double, changepointDays: [Double],
        changepointsT: [Double], theta: [Double], featureRows: [Double], notes: [String], iterations: Int
    ) {
        let n = days.count, s = changepointsT.count, f = features.count
        self.options = options
        self.features = features
        self.start = start
        self.tScale = tScale
        self.yScale = yScale
        self.changepointDays = changepointDays
        self.changepointsT = changepointsT
        self.iterations = iterations
        k = theta[0]
        m = theta[1]
        delta = Array(theta[2..<(2 + s)])
        beta = Array(theta[(2 + s)...])
        lastDay = days[n - 1]
        if n > 1 {
            var diffs = [Double](repeating: 0, count: n - 1)
            for i in 1..<n { diffs[i - 1] = days[i] - days[i - 1] }
            spacing = Statistics.median(diffs)
            historyStepT = 1 / Double(n - 1)
        } else {
            spacing = 1
            historyStepT = 1
        }
        lastRegressorValues = regressorsHistory.mapValues { $0.last ?? 0 }

        // In-sample fit and residuals.
        var fit = [Double](repeating: 0, count: n)
        var rss = 0.0
        for r in 0..<n {
            var v = Self.trend(t: (days[r] - start) / tScale, k: theta[0], m: theta[1], delta: delta, changepointsT: changepointsT)
            for j in 0..<f { v += featureRows[r * f + j] * beta[j] }
            let e = values[r] / yScale - v
            rss += e * e
            fit[r] = v * yScale
        }
        fitted = fit
        let s2 = n > 1 ? ProphetPosterior.sigmaSquared(rss: rss, n: n) : 0
        sigma = s2.squareRoot()

        var parameters: [String: Double] = ["k": k, "m": m, "sigma_obs": sigma, "y_scale": yScale,
                                            "delta_mean_abs": delta.reduce(0) { $0 + abs($1) } / Double(max(s, 1))]
        for (j, d) in delta.enumerated() { parameters["delta_\(j)"] = d }
        for (j, b) in beta.enumerated() { parameters["beta_\(j)"] = b }
        var parts = ["linear trend, \(changepointDays.count) changepoints"]
        parts += features.seasonalities.map { "\($0.name)(\($0.order))" }
        if !features.holidayEffects.isEmpty { parts.append("\(features.holidayEffects.count) holiday effects") }
        if !features.regressors.isEmpty { parts.append("regressors: " + features.regressors.map(\.name).joined(separator: ", ")) }
        var allNotes = notes
        if !features.regressors.isEmpty {
            allNotes.append("forecast(horizon:) holds each regressor at its last value; predict(days:levels:regressors:) takes future values")
        }
        allNotes.append("MAP by L-BFGS (\(iterations) iterations); Laplace prior smoothed as sqrt(delta^2 + 1e-6) - 1e-3")
        var criteria: InformationCriteria?
        if n > 1 && rss > 0 {
            let variance = s2 * yScale * yScale
            let rssOriginal = rss * yScale * yScale
            let ll = -0.5 * Double(n) * log(2 * Double.pi * variance) - rssOriginal / (2 * variance)
            criteria = InformationCriteria(logLikelihood: ll, parameterCount: theta.count + 1, observations: n)
        }
        summary = ModelSummary(form: "Prophet(" + parts.joined(separator: "; ") + ")", parameters: parameters,
                               criteria: criteria, notes: allNotes)
    }

    /// Piecewise-linear trend at scaled time t: (k + Σ δ_j [t ≥ t_j]) t + (m − Σ δ_j t_j [t ≥ t_j]).
    static func trend(t: Double, k: Double, m: Double, delta: [Double], changepointsT: [Double]) -> Double {
        var rate = k, offset = m
        for j in changepointsT.indices where t >= changepointsT[j] {
            rate += delta[j]
            offset -= delta[j] * changepointsT[j]
        }
        return rate * t + offset
    }

    // MARK: - Forecasting

    /// Forecasts `horizon` steps after the last training day, at the median spacing of the training days.
    /// Extra regressors are held at their last observed values.
    public func forecast(horizon: Int, levels: [Double]) -> Forecast {
        let h = max(horizon, 0)
        let days = (0..<h).map { lastDay + spacing * Double($0 + 1) }
        let regs = lastRegressorValues.mapValues { [Double](repeating: $0, count: h) }
        return predictChecked(days: days, levels: levels.filter { $0 > 0 && $0 < 100 }, regressors: regs)
    }

    /// Predicts at arbitrary days (history or future) with intervals at `levels` (percent).
    /// `regressors` must give every extra regressor of the fit, aligned with `days`.
    public func predict(days: [Double], levels: [Double] = [80, 95], regressors: [String: [Double]] = [:]) throws -> Forecast {
        try validate(days: days, regressors: regressors)
        for level in levels where !(level > 0 && level < 100) {
            throw ModelError("Prophet: interval level \(level) is not in (0, 100)")
        }
        return predictChecked(days: days, levels: levels, regressors: regressors)
    }

    /// The additive components at `days`, in the units of the data.
    public func components(days: [Double], regressors: [String: [Double]] = [:]) throws -> ProphetComponents {
        try validate(days: days, regressors: regressors)
        let n = days.count, f = features.count
        var x: [Double] = []
        features.fill(days: days, regressors: regressors, into: &x)
        var trend = [Double](repeating: 0, count: n)
        for r in 0..<n { trend[r] = Self.trend(t: (days[r] - start) / tScale, k: k, m: m, delta: delta, changepointsT: changepointsT) * yScale }
        func effect(_ columns: Range<Int>) -> [Double] {
            (0..<n).map { r in
                var v = 0.0
                for j in columns { v += x[r * f + j] * beta[j] }
                return v * yScale
            }
        }
        var seasonal: [String: [Double]] = [:]
        var column = 0
        for season in features.seasonalities {
            seasonal[season.name] = effect(column..<(column + 2 * season.order))
            column += 2 * season.order
        }
        let holidays = effect(features.holidayOffset..<features.regressorOffset)
        var regs: [String: [Double]] = [:]
        for (j, regressor) in features.regressors.enumerated() {
            regs[regressor.name] = effect((features.regressorOffset + j)..<(features.regressorOffset + j + 1))
        }
        var yhat = trend
        for r in 0..<n {
            for v in seasonal.values { yhat[r] += v[r] }
            yhat[r] += holidays[r]
            for v in regs.values { yhat[r] += v[r] }
        }
        return ProphetComponents(trend: trend, seasonalities: seasonal, holidays: holidays, regressors: regs, yhat: yhat)
    }

    private func validate(days: [Double], regressors: [String: [Double]]) throws {
        guard days.allSatisfy(\.isFinite) else { throw ModelError("Prophet: non-finite day") }
        for regressor in features.regressors {
            guard let values = regressors[regressor.name] else {
                throw ModelError("Prophet: missing values of regressor \(regressor.name)")
            }
            guard values.count == days.count else {
                throw ModelError("Prophet: regressor \(regressor.name) has \(values.count) values for \(days.count) days")
            }
            guard values.allSatisfy(\.isFinite) else { throw ModelError("Prophet: regressor \(regressor.name) has NaN or infinite values") }
        }
    }

    /// Point predictions plus intervals from simulated paths, as Prophet's vectorised `predict`:
    /// future rows (t > 1) get a trend whose rate changes at each step with probability
    /// S × (mean step in t), by Laplace(0, mean |δ|) amounts (smoothed over two steps and integrated twice),
    /// and every row gets Normal(0, σ) noise; the interval ends are empirical quantiles (NumPy's linear rule).
    func predictChecked(days: [Double], levels: [Double], regressors: [String: [Double]]) -> Forecast {
        let n = days.count, f = features.count
        var x: [Double] = []
        features.fill(days: days, regressors: regressors, into: &x)
        var yhat = [Double](repeating: 0, count: n)
        var t = [Double](repeating: 0, count: n)
        for r in 0..<n {
            t[r] = (days[r] - start) / tScale
            var v = Self.trend(t: t[r], k: k, m: m, delta: delta, changepointsT: changepointsT)
            for j in 0..<f { v += x[r * f + j] * beta[j] }
            yhat[r] = v * yScale
        }
        let samples = options.uncertaintySamples
        guard !levels.isEmpty, n > 0 else {
            return Forecast(mean: yhat, intervals: levels.map { PredictionInterval(level: $0, lower: yhat, upper: yhat) })
        }
        guard samples > 1 else {
            return Forecast.gaussian(mean: yhat, sd: [Double](repeating: sigma * yScale, count: n), levels: levels)
        }

        // Future rows and the trend-change process.
        var future: [Int] = []
        for r in 0..<n where t[r] > 1 { future.append(r) }
        let step = future.count > 1 ? (t[future[future.count - 1]] - t[future[0]]) / Double(future.count - 1) : historyStepT
        let likelihood = Double(changepointsT.count) * step
        let meanDelta = delta.reduce(0) { $0 + abs($1) } / Double(max(delta.count, 1)) + 1e-8
        let noiseScale = sigma * yScale
        let trendScale = step * yScale

        var random = ProphetRandom(seed: options.seed)
        var paths = [Double](repeating: 0, count: n * samples)  // paths[r * samples + s]
        var deviation = [Double](repeating: 0, count: n)
        paths.withUnsafeMutableBufferPointer { paths in
            for sample in 0..<samples {
                var previous = 0.0, slope = 0.0, level = 0.0
                for r in future {
                    let shift = random.uniform() < likelihood ? random.laplace(scale: meanDelta) : 0
                    slope += 0.5 * (shift + previous)
                    previous = shift
                    level += slope
                    deviation[r] = level * trendScale
                }
                for r in 0..<n { paths[r * samples + sample] = yhat[r] + deviation[r] + noiseScale * random.normal() }
            }
        }

        // Order statistics needed for the requested levels (NumPy's linear interpolation).
        var positions: [Double] = []
        for level in levels {
            let alpha = (100 - level) / 200
            positions.append(alpha * Double(samples - 1))
            positions.append((1 - alpha) * Double(samples - 1))
        }
        var ranks = Set<Int>()
        for pos in positions {
            let lo = Int(pos.rounded(.down))
            ranks.insert(lo)
            ranks.insert(min(lo + 1, samples - 1))
        }
        let sortedRanks = ranks.sorted()
        var quantiles = [[Double]](repeating: [Double](repeating: 0, count: n), count: positions.count)
        var orderStat = [Int: Double]()
        paths.withUnsafeMutableBufferPointer { paths in
            for r in 0..<n {
                let row = UnsafeMutableBufferPointer(rebasing: paths[(r * samples)..<((r + 1) * samples)])
                ProphetRandom.select(row, ranks: sortedRanks[...], 0, samples)
                for rank in sortedRanks { orderStat[rank] = row[rank] }
                for (q, pos) in positions.enumerated() {
                    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, samples - 1)
                    let a = orderStat[lo]!, b = orderStat[hi]!
                    quantiles[q][r] = a + (b - a) * (pos - Double(lo))
                }
            }
        }
        let intervals = levels.enumerated().map { i, level in
            PredictionInterval(level: level, lower: quantiles[2 * i], upper: quantiles[2 * i + 1])
        }
        return Forecast(mean: yhat, intervals: intervals)
    }
}
