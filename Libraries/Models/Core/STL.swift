/// Seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae & Terpenning 1990), the
/// non-robust inner loop with every smoother evaluated at every point (no jumps).
///
/// The defaults are those of forecast::mstl and statsforecast's `mstl` for one seasonal period: a
/// seasonal window of 11 with locally constant (degree 0) cycle-subseries smoothing, a locally linear
/// trend over the smallest odd span ≥ 1.5 m / (1 − 1.5 / 11), a locally linear low-pass filter over the
/// smallest odd span > m, and 5 inner passes. Their "seas" test of seasonal differencing reads the
/// seasonal strength of this decomposition (``seasonalStrength``).
struct STL: Sendable {
    var seasonal: [Double]
    var trend: [Double]
    var remainder: [Double]

    /// Decomposes `y` (at least two full periods, period ≥ 2).
    init(_ y: [Double], period m: Int, seasonalWindow: Int = 11, seasonalDegree: Int = 0, innerPasses: Int = 5) {
        precondition(m >= 2 && y.count >= 2 * m, "STL needs period >= 2 and two full periods")
        precondition(seasonalWindow >= 3 && seasonalWindow % 2 == 1, "the seasonal window is odd and at least 3")
        let n = y.count
        var trendSpan = Int((1.5 * Double(m) / (1 - 1.5 / Double(seasonalWindow))).rounded(.up))
        if trendSpan % 2 == 0 { trendSpan += 1 }
        var lowPassSpan = m + 1
        if lowPassSpan % 2 == 0 { lowPassSpan += 1 }

        var trend = [Double](repeating: 0, count: n)
        var seasonal = [Double](repeating: 0, count: n)
        for _ in 0..<innerPasses {
            // Cycle-subseries smoothing of the detrended series, extended one period at each end.
            let detrended = (0..<n).map { y[$0] - trend[$0] }
            var cycle = [Double](repeating: 0, count: n + 2 * m)
            for j in 0..<m {
                let sub = Swift.stride(from: j, to: n, by: m).map { detrended[$0] }
                let k = sub.count
                var smoothed = [Double](repeating: 0, count: k + 2)
                let inner = Self.smooth(sub, span: seasonalWindow, degree: seasonalDegree)
                for i in 0..<k { smoothed[i + 1] = inner[i] }
                smoothed[0] = Self.estimate(sub, span: seasonalWindow, degree: seasonalDegree, at: -1, left: 0, right: min(seasonalWindow, k) - 1) ?? smoothed[1]
                smoothed[k + 1] = Self.estimate(sub, span: seasonalWindow, degree: seasonalDegree, at: Double(k), left: max(0, k - seasonalWindow), right: k - 1) ?? smoothed[k]
                for i in 0..<(k + 2) { cycle[i * m + j] = smoothed[i] }
            }
            // Low-pass filter: moving averages of m, m and 3, then loess.
            let low = Self.smooth(
                Self.movingAverage(Self.movingAverage(Self.movingAverage(cycle, m), m), 3), span: lowPassSpan, degree: 1)
            for i in 0..<n { seasonal[i] = cycle[m + i] - low[i] }
            trend = Self.smooth((0..<n).map { y[$0] - seasonal[$0] }, span: trendSpan, degree: 1)
        }
        self.seasonal = seasonal
        self.trend = trend
        self.remainder = (0..<n).map { y[$0] - seasonal[$0] - trend[$0] }
    }

    /// Seasonal strength max(0, 1 − Var(R) / Var(S + R)) (Wang, Smith & Hyndman 2006), clamped to [0, 1].
    var seasonalStrength: Double {
        let total = Statistics.variance(zip(seasonal, remainder).map { $0 + $1 })
        guard total > 0 else { return 0 }
        return min(1, max(0, 1 - Statistics.variance(remainder) / total))
    }

    /// Moving average of length `length`: count − length + 1 values.
    static func movingAverage(_ x: [Double], _ length: Int) -> [Double] {
        guard x.count >= length else { return [] }
        var out = [Double](repeating: 0, count: x.count - length + 1)
        var sum = x[0..<length].reduce(0, +)
        out[0] = sum / Double(length)
        for i in 1..<out.count {
            sum += x[i + length - 1] - x[i - 1]
            out[i] = sum / Double(length)
        }
        return out
    }

    /// Loess of `x` (positions 0..<count) evaluated at every position, over windows of `span` points.
    static func smooth(_ x: [Double], span: Int, degree: Int) -> [Double] {
        let n = x.count
        guard n >= 2 else { return x }
        var out = [Double](repeating: 0, count: n)
        if span >= n {
            for i in 0..<n { out[i] = estimate(x, span: span, degree: degree, at: Double(i), left: 0, right: n - 1) ?? x[i] }
            return out
        }
        let half = (span + 1) / 2
        var left = 0, right = span - 1
        for i in 0..<n {
            if i + 1 > half && right != n - 1 {
                left += 1
                right += 1
            }
            out[i] = estimate(x, span: span, degree: degree, at: Double(i), left: left, right: right) ?? x[i]
        }
        return out
    }

    /// The loess value at `xs` from the points `left...right` with tricube weights (degree 0: weighted
    /// mean; degree 1: weighted line). nil when every weight is zero.
    static func estimate(_ x: [Double], span: Int, degree: Int, at xs: Double, left: Int, right: Int) -> Double? {
        let n = x.count
        var h = max(xs - Double(left), Double(right) - xs)
        if span > n { h += Double((span - n) / 2) }
        let far = 0.999 * h, near = 0.001 * h
        var w = [Double](repeating: 0, count: right - left + 1)
        var total = 0.0
        for j in left...right {
            let r = abs(Double(j) - xs)
            guard r <= far else { continue }
            let u = r / h, c = 1 - u * u * u
            let v = r <= near ? 1 : c * c * c
            w[j - left] = v
            total += v
        }
        guard total > 0 else { return nil }
        for i in w.indices { w[i] /= total }
        if h > 0 && degree > 0 {
            var center = 0.0
            for j in left...right { center += w[j - left] * Double(j) }
            var spread = 0.0
            for j in left...right { spread += w[j - left] * (Double(j) - center) * (Double(j) - center) }
            if spread.squareRoot() > 0.001 * Double(n - 1) {
                let slope = (xs - center) / spread
                for j in left...right { w[j - left] *= slope * (Double(j) - center) + 1 }
            }
        }
        var value = 0.0
        for j in left...right { value += w[j - left] * x[j] }
        return value
    }
}
