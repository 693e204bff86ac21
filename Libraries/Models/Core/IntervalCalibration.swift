/// Calibrates a model's prediction intervals on its own out-of-sample errors (split conformal prediction
/// with a model-given scale).
///
/// Each backtest window — the model fitted on the series up to an origin, forecasting the `h` points after
/// it — gives one score per step: the absolute error divided by the model's own scale at that step (its
/// interval's half-width over the normal quantile of the interval's level). The scores of every window and
/// step are pooled; the calibrated interval at level `L` is the mean plus or minus the conformal `L`
/// quantile of the scores times the model's scale. So the interval keeps the model's shape — how it widens
/// with the horizon, where a seasonal or multiplicative model makes it wider — and takes its width from how
/// the model actually erred. With exchangeable scores the coverage is at least `L` on the next window; the
/// `(n + 1) / n` factor is the finite-sample correction of split conformal prediction.
///
/// statsforecast's `ConformalIntervals` take a quantile per horizon step across its windows (with its default
/// two windows, close to the largest error); pooling the steps after scaling needs far fewer windows for the
/// same stability, which matters on short yearly series.
public struct IntervalCalibration: Sendable, Equatable, Codable {
    /// Scores `|actual − mean| / scale`, in the order recorded.
    public private(set) var scores: [Double] = []

    /// The recorded windows: where each starts (the index of its first forecast point, when given) and its
    /// scores' range in ``scores``. ``CalibrationPool`` uses them to leave a window's overlapping neighbours
    /// out when it measures how well the other windows predicted it.
    public struct Window: Sendable, Equatable, Codable {
        public var origin: Int?
        public var start: Int
        public var count: Int
    }

    public private(set) var windows: [Window] = []

    /// Fewer scores than this and ``apply(to:)`` keeps the model's own intervals.
    public static let minimumScores = 10

    public init() {}

    public var count: Int { scores.count }

    /// The model's scale per step of `forecast`: the half-width of its widest interval over that interval's
    /// normal quantile, floored so that a zero-width interval still has a scale; nil without intervals.
    public static func scale(of forecast: Forecast) -> [Double]? {
        guard let reference = forecast.intervals.max(by: { $0.level < $1.level }), reference.level > 0, reference.level < 100 else {
            return nil
        }
        let z = Normal.quantile(0.5 + reference.level / 200)
        return forecast.mean.indices.map { h in
            let half = (reference.upper[h] - reference.lower[h]) / 2
            let floor = 1e-9 * max(1, abs(forecast.mean[h]))
            return half.isFinite ? max(half / z, floor) : .nan
        }
    }

    /// Records one backtest window: the forecast made at its origin and the values that followed
    /// (`actual.count` may be shorter than the forecast; the steps without an actual are skipped).
    /// `origin` is where the window starts (the index of its first forecast point), so that windows whose
    /// tests overlap can be told apart; windows recorded without one count as not overlapping.
    public mutating func record(forecast: Forecast, actual: [Double], origin: Int? = nil) {
        guard let scale = Self.scale(of: forecast) else { return }
        let start = scores.count
        for h in 0..<min(actual.count, forecast.mean.count) {
            let s = abs(actual[h] - forecast.mean[h]) / scale[h]
            if s.isFinite { scores.append(s) }
        }
        if scores.count > start { windows.append(Window(origin: origin, start: start, count: scores.count - start)) }
    }

    /// The scores' root mean square, nil without scores.
    public var rootMeanSquare: Double? {
        scores.isEmpty ? nil : (scores.reduce(0) { $0 + $1 * $1 } / Double(scores.count)).squareRoot()
    }

    /// The calibrated multiplier of the model's scale at `level` (percent), nil with too few scores.
    ///
    /// The conformal quantile of the scores, and no less than the Student t quantile (n − 1 degrees of freedom)
    /// times the scores' root mean square: with few scores the conformal 95 % quantile is their largest, which
    /// falls short of the level more often than not (exchangeable scores need ⌈0.95 (n + 1)⌉ ≤ n, so n ≥ 19);
    /// the t bound is what a normal error whose scale is estimated from n scores needs. On the benchmark's
    /// monthly series this moved Holt-Winters' 95 % coverage from 0.909 to 0.933 with a lower MSIS (BENCHMARKS.md).
    public func multiplier(level: Double) -> Double? {
        guard scores.count >= Self.minimumScores, level > 0, level < 100 else { return nil }
        let sorted = scores.sorted()
        let n = Double(sorted.count)
        let p = min(1, level / 100 * (n + 1) / n)
        let conformal = Statistics.quantile(sorted: sorted, p)
        return max(conformal, Self.studentQuantile(0.5 + level / 200, degreesOfFreedom: n - 1) * rootMeanSquare!)
    }

    /// The Student t quantile at probability `p`, by the Cornish–Fisher expansion around the normal quantile in
    /// powers of 1/ν (Abramowitz & Stegun 26.7.5); within 0.1 % of the exact value from ν = 5 at p ≤ 0.995.
    public static func studentQuantile(_ p: Double, degreesOfFreedom v: Double) -> Double {
        let z = Normal.quantile(p)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }

    /// Where the backtest windows that calibrate a model start, on a series of `n` points forecast `h` ahead:
    /// `windows` origins `h` apart, each leaving at least `minTrain` points. When the series is too short for all
    /// of them and they give fewer than 20 scores (yearly data, a young category), origins one step apart instead
    /// (at most 12), and when
    /// even those give fewer than 20, also the partial windows that end with the series (their steps past the
    /// end are not scored). `full` are the origins with all `h` steps, the ones a backtest's accuracy uses;
    /// `all` adds the partial ones, for calibration only.
    public static func origins(count n: Int, horizon h: Int, windows: Int, minTrain: Int) -> (full: [Int], all: [Int]) {
        guard h > 0, windows > 0 else { return ([], []) }
        let spaced = (1...windows).map { n - $0 * h }.filter { $0 >= minTrain }
        guard spaced.count < windows && spaced.count * h < 20 else { return (spaced.reversed(), spaced.reversed()) }
        let full = Array(stride(from: n - h, through: minTrain, by: -1).prefix(12))
        guard full.count * h < 20 else { return (full.reversed(), full.reversed()) }
        let partial = Array(stride(from: n - 1, through: max(minTrain, n - h + 1), by: -1))
        return (full.reversed(), (full + partial).sorted())
    }

    /// `forecast` with each interval's width taken from the scores; the model's own intervals when there are
    /// too few scores or the forecast has no interval to take the scale from. With a `pool` that can calibrate
    /// these scores (``CalibrationPool/multiplier(for:level:)``), the width comes from it instead.
    public func apply(to forecast: Forecast, pool: CalibrationPool? = nil) -> Forecast {
        let pooled = pool.map { p in forecast.intervals.map { p.multiplier(for: self, level: $0.level) } }
        let usable = pooled.map { $0.allSatisfy { $0 != nil } } ?? false
        guard usable || scores.count >= Self.minimumScores, let scale = Self.scale(of: forecast) else { return forecast }
        var out = forecast
        out.intervals = forecast.intervals.enumerated().map { i, interval in
            guard let q = usable ? pooled![i] : multiplier(level: interval.level) else { return interval }
            let half = scale.map { $0 * q }
            return PredictionInterval(
                level: interval.level,
                lower: zip(forecast.mean, half).map { $0 - $1 },
                upper: zip(forecast.mean, half).map { $0 + $1 })
        }
        return out
    }
}

extension AccuracyMetrics {
    /// The interval (Winkler) score of a central `level` % interval, averaged over the steps: its width plus
    /// `2 / α` times how far each actual falls outside it (α = 1 − level/100). Lower is better: a narrow
    /// interval that misses pays for each miss, a wide one for its width.
    public static func intervalScore(actual: [Double], lower: [Double], upper: [Double], level: Double) -> Double {
        precondition(actual.count == lower.count && actual.count == upper.count && !actual.isEmpty)
        let alpha = 1 - level / 100
        var total = 0.0
        for i in actual.indices {
            let (y, lo, hi) = (actual[i], lower[i], upper[i])
            total += hi - lo
            if y < lo { total += 2 / alpha * (lo - y) }
            if y > hi { total += 2 / alpha * (y - hi) }
        }
        return total / Double(actual.count)
    }

    /// M4's MSIS: ``intervalScore(actual:lower:upper:level:)`` over the in-sample mean absolute seasonal
    /// difference (the scale of ``mase(actual:forecast:insample:period:)``), so series of any size compare.
    public static func msis(actual: [Double], lower: [Double], upper: [Double], level: Double, insample: [Double], period m: Int) -> Double {
        let lag = insample.count > m ? max(m, 1) : 1
        guard insample.count > lag else { return .nan }
        var scale = 0.0
        for t in lag..<insample.count { scale += abs(insample[t] - insample[t - lag]) }
        scale /= Double(insample.count - lag)
        return scale > 0 ? intervalScore(actual: actual, lower: lower, upper: upper, level: level) / scale : .nan
    }
}
