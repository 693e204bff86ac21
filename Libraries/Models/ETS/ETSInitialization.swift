/// Heuristic starting states, as in R's forecast::ets (initstate) and statsforecast's ets.py:
/// a classical decomposition of the first three seasons (or of what there is, at least two) gives the
/// seasonal indices; a straight line through the first max(10, 2m) seasonally adjusted values gives the
/// level and trend.
enum ETSInitialization {
    struct Start {
        var level: Double
        var trend: Double
        /// Chronological, `m` values; `seasonal[k]` applies to observation k. Sums to 0 (additive) or m.
        var seasonal: [Double]
    }

    static func start(_ y: [Double], spec: ETSSpec, m: Int) -> Start {
        let n = y.count
        var seasonal: [Double] = []
        var adjusted = y
        if spec.hasSeason && m > 1 && n >= 2 * m {
            let multiplicative = spec.season == .multiplicative
            seasonal = decompose(Array(y.prefix(min(n, 3 * m))), m: m, multiplicative: multiplicative)
            if multiplicative {
                seasonal = seasonal.map { max($0, 1e-2) }
                let total = seasonal.reduce(0, +)
                if total > Double(m) { seasonal = seasonal.map { $0 * Double(m) / total } }
                for t in 0..<n { adjusted[t] = y[t] / max(seasonal[t % m], 1e-2) }
            } else {
                for t in 0..<n { adjusted[t] = y[t] - seasonal[t % m] }
            }
        }
        let maxn = min(max(10, 2 * (seasonal.isEmpty ? 1 : m)), n)
        var level: Double
        var trend = 0.0
        if spec.hasTrend && maxn >= 2 {
            // Least squares line through (1, a_0), ..., (maxn, a_{maxn-1}); the intercept is the state at t = 0.
            let xs = (1...maxn).map(Double.init)
            let xbar = xs.reduce(0, +) / Double(maxn)
            let ybar = adjusted.prefix(maxn).reduce(0, +) / Double(maxn)
            var sxy = 0.0, sxx = 0.0
            for i in 0..<maxn {
                sxy += (xs[i] - xbar) * (adjusted[i] - ybar)
                sxx += (xs[i] - xbar) * (xs[i] - xbar)
            }
            trend = sxx > 0 ? sxy / sxx : 0
            level = ybar - trend * xbar
            if spec.error == .multiplicative && abs(level + trend) < 1e-8 {
                level *= 1 + 1e-3
                trend *= 1 - 1e-3
            }
        } else {
            level = adjusted.prefix(maxn).reduce(0, +) / Double(max(maxn, 1))
        }
        return Start(level: level, trend: trend, seasonal: seasonal)
    }

    /// Classical decomposition (R's decompose): centred moving average of order m (2 x m when m is even),
    /// detrend, average by season, normalise to sum 0 (additive) or m (multiplicative).
    static func decompose(_ x: [Double], m: Int, multiplicative: Bool) -> [Double] {
        let n = x.count
        var sums = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: m)
        let half = m / 2
        for t in half..<(n - half) {
            var ma: Double
            if m % 2 == 0 {
                ma = 0.5 * (x[t - half] + x[t + half])
                for j in (t - half + 1)..<(t + half) { ma += x[j] }
            } else {
                ma = 0
                for j in (t - half)...(t + half) { ma += x[j] }
            }
            ma /= Double(m)
            let detrended = multiplicative ? (ma != 0 ? x[t] / ma : 1) : x[t] - ma
            sums[t % m] += detrended
            counts[t % m] += 1
        }
        var figure = (0..<m).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : (multiplicative ? 1 : 0) }
        let mean = figure.reduce(0, +) / Double(m)
        if multiplicative {
            if mean > 0 { figure = figure.map { $0 / mean } }
        } else {
            figure = figure.map { $0 - mean }
        }
        return figure
    }
}
