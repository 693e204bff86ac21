#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Theta method of Assimakopoulos and Nikolopoulos (2000), winner of the M3 competition, in the form
/// Hyndman and Billah (2003) showed it to be: simple exponential smoothing with a drift of half the slope of
/// the series' linear trend (the θ = 0 line's slope, the θ = 2 line smoothed).
///
/// A seasonal series (period `m` > 1, at least two seasons, and a lag-`m` autocorrelation above the 90 % bound
/// of the M4 benchmark's test) is deseasonalised first by classical multiplicative decomposition (additive
/// when a value is not positive) and its forecasts reseasonalised. The smoothing weight and the initial level
/// are fitted by least squares of the one-step errors. Intervals are those of SES with the one-step error
/// variance, `σ² (1 + α² (h − 1))`, scaled by the seasonal index.
public enum Theta {
    public struct Fitted: FittedForecaster {
        public let alpha: Double
        /// The smoothed level after the last observation, on the deseasonalised scale.
        public let level: Double
        /// Half the slope of the linear trend of the deseasonalised series.
        public let drift: Double
        public let sigma: Double
        public let count: Int
        /// One index per position in the season, for the steps after the series; empty when not seasonal.
        public let seasonal: [Double]
        public let multiplicative: Bool
        public let summary: ModelSummary

        public func forecast(horizon: Int, levels: [Double]) -> Forecast {
            let n = Double(count), a = alpha
            var mean: [Double] = [], sd: [Double] = []
            for h in 1...max(horizon, 1) {
                let hd = Double(h)
                // Hyndman & Billah: the SES forecast plus b/2 · (h − 1 + 1/α − (1 − α)^n / α).
                let trend = drift * (hd - 1 + 1 / a - pow(1 - a, n) / a)
                var m = level + trend
                var s = sigma * (1 + a * a * (hd - 1)).squareRoot()
                if !seasonal.isEmpty {
                    let index = seasonal[(h - 1) % seasonal.count]
                    if multiplicative {
                        m *= index
                        s *= index
                    } else {
                        m += index
                    }
                }
                mean.append(m)
                sd.append(s)
            }
            if horizon == 0 { return Forecast(mean: [], intervals: levels.map { PredictionInterval(level: $0, lower: [], upper: []) }) }
            return Forecast.gaussian(mean: mean, sd: sd, levels: levels)
        }
    }

    /// Fits the Theta method on `values` with season length `period` (1 for none).
    public static func fit(_ values: [Double], period: Int = 1) throws -> Fitted {
        let n = values.count
        guard n >= 3 else { throw ModelError("theta needs at least 3 points, got \(n)") }
        guard values.allSatisfy(\.isFinite) else { throw ModelError("theta: the series has non-finite values") }
        var y = values
        var seasonal: [Double] = []
        var multiplicative = true
        var notes: [String] = []
        if period > 1, n >= 2 * period, isSeasonal(values, period: period) {
            multiplicative = values.allSatisfy { $0 > 0 }
            let indices = seasonalIndices(values, period: period, multiplicative: multiplicative)
            for t in 0..<n { y[t] = multiplicative ? values[t] / indices[t % period] : values[t] - indices[t % period] }
            // The step after the last point is position n mod period of the season.
            seasonal = (0..<period).map { indices[(n + $0) % period] }
            notes.append("deseasonalised (\(multiplicative ? "multiplicative" : "additive"), period \(period))")
        }
        // Drift: half the least-squares slope of the deseasonalised series on time.
        let tMean = Double(n - 1) / 2, yMean = y.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0
        for t in 0..<n {
            sxy += (Double(t) - tMean) * (y[t] - yMean)
            sxx += (Double(t) - tMean) * (Double(t) - tMean)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        // Plain SES on the deseasonalised series; the drift enters the forecasts only (Hyndman & Billah).
        func sse(_ alpha: Double, _ start: Double) -> (sse: Double, level: Double) {
            var l = start, total = 0.0
            for t in 0..<n {
                let e = y[t] - l
                total += e * e
                l += alpha * e
            }
            return (total, l)
        }
        func objective(_ x: [Double]) -> Double {
            let alpha = 1 / (1 + exp(-x[0]))
            guard alpha > 1e-4, alpha < 0.9999 else { return .infinity }
            return sse(alpha, x[1]).sse
        }
        let scale = max(1e-8, y.map(abs).max() ?? 1)
        var best = (x: [0.0, y[0]], value: Double.infinity)
        for a0 in [0.1, 0.3, 0.5, 0.8] {
            let r = Optimize.nelderMead(
                { objective([$0[0], $0[1] * scale]) }, start: [log(a0 / (1 - a0)), y[0] / scale], initialStep: 0.5, maxEvaluations: 600)
            if r.value < best.value { best = ([r.x[0], r.x[1] * scale], r.value) }
        }
        let alpha = min(0.9999, max(1e-4, 1 / (1 + exp(-best.x[0]))))
        let (total, level) = sse(alpha, best.x[1])
        let sigma = (total / Double(max(1, n - 2))).squareRoot()
        let drift = slope / 2
        let form = seasonal.isEmpty ? "Theta" : "Theta(\(multiplicative ? "M" : "A"))[\(period)]"
        return Fitted(
            alpha: alpha, level: level, drift: drift, sigma: sigma, count: n, seasonal: seasonal, multiplicative: multiplicative,
            summary: ModelSummary(form: form, parameters: ["alpha": alpha, "drift": drift, "sigma": sigma], criteria: nil, notes: notes))
    }

    /// The M4 benchmarks' seasonality test: the lag-`m` autocorrelation beyond 1.645 standard errors,
    /// the errors from the autocorrelations of the lags before it (Bartlett).
    public static func isSeasonal(_ x: [Double], period m: Int) -> Bool {
        let n = x.count
        guard m > 1, n > 3 * m else { return n >= 2 * m && m > 1 && acf(x, lag: m) > 0.5 }
        let r = (1..<m).map { acf(x, lag: $0) }
        let bound = 1.645 * ((1 + 2 * r.reduce(0) { $0 + $1 * $1 }) / Double(n)).squareRoot()
        return abs(acf(x, lag: m)) > bound
    }

    static func acf(_ x: [Double], lag: Int) -> Double {
        let n = x.count
        guard lag < n else { return 0 }
        let mean = x.reduce(0, +) / Double(n)
        var num = 0.0, den = 0.0
        for t in 0..<n {
            den += (x[t] - mean) * (x[t] - mean)
            if t >= lag { num += (x[t] - mean) * (x[t - lag] - mean) }
        }
        return den > 0 ? num / den : 0
    }

    /// Classical decomposition's seasonal indices: the series over (or minus) its centred moving average,
    /// averaged per position in the season and normalised to mean 1 (or 0).
    static func seasonalIndices(_ x: [Double], period m: Int, multiplicative: Bool) -> [Double] {
        let n = x.count
        var sums = [Double](repeating: 0, count: m), counts = [Double](repeating: 0, count: m)
        let half = m / 2
        for t in half..<(n - half) {
            var ma: Double
            if m % 2 == 0 {
                ma = 0.5 * x[t - half] + 0.5 * x[t + half]
                for k in (t - half + 1)..<(t + half) { ma += x[k] }
                ma /= Double(m)
            } else {
                ma = x[(t - half)...(t + half)].reduce(0, +) / Double(m)
            }
            guard ma != 0 || !multiplicative else { continue }
            sums[t % m] += multiplicative ? x[t] / ma : x[t] - ma
            counts[t % m] += 1
        }
        var indices = (0..<m).map { counts[$0] > 0 ? sums[$0] / counts[$0] : (multiplicative ? 1 : 0) }
        if multiplicative {
            let mean = indices.reduce(0, +) / Double(m)
            if mean > 0 { indices = indices.map { $0 / mean } }
        } else {
            let mean = indices.reduce(0, +) / Double(m)
            indices = indices.map { $0 - mean }
        }
        return indices
    }
}
