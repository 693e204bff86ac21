#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Smoothing parameters of one ETS form (nil where the form has no such component).
public struct ETSParameters: Sendable, Equatable, Codable {
    /// Level smoothing, 0 < alpha < 1.
    public var alpha: Double
    /// Trend smoothing in the state-space (error-correction) form, 0 < beta < alpha.
    public var beta: Double?
    /// Seasonal smoothing, 0 < gamma < 1 - alpha.
    public var gamma: Double?
    /// Damping, 0.8 < phi < 0.98.
    public var phi: Double?

    public init(alpha: Double, beta: Double? = nil, gamma: Double? = nil, phi: Double? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.phi = phi
    }
}

/// State of an ETS model at one time: level, trend and the last `m` seasonal states.
public struct ETSState: Sendable, Equatable, Codable {
    public var level: Double
    /// 0 when the form has no trend.
    public var trend: Double
    /// Seasonal states in chronological order: `seasonal[k]` is the index applied to the k-th step after
    /// this state (so for the initial state, to observation k). Empty when the form has no season.
    public var seasonal: [Double]

    public init(level: Double, trend: Double, seasonal: [Double]) {
        self.level = level
        self.trend = trend
        self.seasonal = seasonal
    }
}

/// The ETS state-space recursion (Hyndman et al. 2008, the error-correction form used by R's etscalc):
///
///     q_t    = l_{t-1} + phi b_{t-1}
///     yhat_t = q_t (+ or *) s_{t-m}
///     l_t    = q_t + alpha (p_t - q_t),        p_t = y_t (- or /) s_{t-m}
///     b_t    = phi b_{t-1} + beta (p_t - q_t)
///     s_t    = s_{t-m} + gamma (y_t (- or /) q_t - s_{t-m})
///
/// The point recursion is the same for additive and multiplicative errors; only the innovation
/// (`y - yhat` or `(y - yhat) / yhat`) and the likelihood differ.
/// Seasonal states live in a ring buffer indexed by `t mod m`, so one step costs O(1).
enum ETSKernel {
    struct Output {
        var sse: Double
        var sumLogAbsFitted: Double
        var finalLevel: Double
        var finalTrend: Double
    }

    /// Runs the recursion over `y`. `season` holds the initial seasonal states on entry (chronological,
    /// `m` values, ignored when the form has no season) and the final ones on exit, rotated so that
    /// `season[(n + k) % m]` is the index for forecast step k + 1.
    /// `states`, when given, receives the level, trend and seasonal state entering each step (n values each;
    /// ETSGradient's backward pass reads them).
    /// Returns nil when the recursion leaves the domain of the form (division by ~0, non-finite values).
    @inline(__always)
    static func run(
        _ y: UnsafeBufferPointer<Double>,
        spec: ETSSpec, m: Int,
        alpha: Double, beta: Double, gamma: Double, phi: Double,
        level l0: Double, trend b0: Double,
        season: UnsafeMutableBufferPointer<Double>,
        fitted: UnsafeMutableBufferPointer<Double>? = nil,
        innovations: UnsafeMutableBufferPointer<Double>? = nil,
        states: ETSGradient.Workspace? = nil
    ) -> Output? {
        let n = y.count
        let multError = spec.error == .multiplicative
        let seasonKind = spec.season
        let hasTrend = spec.hasTrend
        let phiEff = hasTrend ? phi : 0
        var l = l0
        var b = hasTrend ? b0 : 0
        var k = 0
        var sse = 0.0
        var sumLog = 0.0
        // Σ log|yhat| as the log of running products, one log each time the product leaves 1e±100
        // instead of one per step (log was 38 % of a multiplicative fit's time). Factors are below 1e100
        // (larger ones are logged alone) and above 1e-10, so the product never leaves 1e±200.
        var product = 1.0
        let tiny = 1e-10
        for t in 0..<n {
            let yt = y[t]
            let phib = phiEff * b
            let q = l + phib
            var yhat = q
            var p = yt
            var s = 0.0
            switch seasonKind {
            case .none:
                break
            case .additive:
                s = season[k]
                yhat = q + s
                p = yt - s
            case .multiplicative:
                s = season[k]
                if abs(s) < tiny { return nil }
                yhat = q * s
                p = yt / s
            }
            let e = yt - yhat
            let r: Double
            if multError {
                let a = abs(yhat)
                if a < tiny { return nil }
                r = e / yhat
                if a < 1e100 {
                    product *= a
                    if product > 1e100 || product < 1e-100 { sumLog += log(product); product = 1 }
                } else {
                    sumLog += log(a)
                }
            } else {
                r = e
            }
            sse += r * r
            if let fitted { fitted[t] = yhat }
            if let states { states.levels[t] = l; states.trends[t] = b; states.seasons[t] = s }
            if let innovations { innovations[t] = r }
            let d = p - q
            l = q + alpha * d
            if hasTrend { b = phib + beta * d }
            switch seasonKind {
            case .none:
                break
            case .additive:
                season[k] = s + gamma * (yt - q - s)
            case .multiplicative:
                if abs(q) < tiny { return nil }
                season[k] = s + gamma * (yt / q - s)
            }
            k += 1
            if k == m { k = 0 }
        }
        sumLog += log(product)
        guard sse.isFinite, sumLog.isFinite, l.isFinite, b.isFinite else { return nil }
        return Output(sse: sse, sumLogAbsFitted: sumLog, finalLevel: l, finalTrend: b)
    }

    /// The full Gaussian log-likelihood with the variance concentrated out (statsmodels' ETSModel llf):
    /// -n/2 (log(2 pi SSE/n) + 1) - sum log|yhat| (the last term for multiplicative errors only).
    /// It equals -0.5 * (R's ets lik = n log SSE + 2 sum log|yhat|) - n/2 (log(2 pi / n) + 1).
    static func logLikelihood(_ out: Output, n: Int, spec: ETSSpec) -> Double {
        let nd = Double(n)
        var ll = -nd / 2 * (log(2 * Double.pi * max(out.sse, 1e-300) / nd) + 1)
        if spec.error == .multiplicative { ll -= out.sumLogAbsFitted }
        return ll
    }
}
