#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seasonal ARIMA with exogenous regressors: regression with SARIMA errors,
///
///     y_t = x_t'β + u_t,   φ(L) Φ(L^m) (1 - L)^d (1 - L^m)^D u_t = θ(L) Θ(L^m) ε_t,   ε_t ~ N(0, σ²),
///
/// as statsmodels' `SARIMAX(exog=…)` and R's `Arima(xreg=…)`.  The optional constant follows R's
/// `include.constant`: an intercept column when d + D = 0, a drift column t = 1…n when d + D = 1,
/// none when d + D ≥ 2.
///
/// Estimation: y and the regressors are differenced explicitly; the exact Gaussian likelihood of
/// the stationary ARMA errors of the n - d - D·m differenced observations is evaluated by a Kalman
/// filter with the stationary initial covariance (statsmodels' `simple_differencing=True`
/// likelihood), σ² and β are concentrated out (GLS on the innovations), and the ARMA coefficients
/// are found by BFGS in an unconstrained parametrisation (Jones/Monahan partial autocorrelations)
/// that enforces stationarity and invertibility, started from the conditional-sum-of-squares fit.
public enum SARIMAX {
    /// Fits one order.  Throws `ModelError` for empty or non-finite input, or exog of the wrong shape.
    /// A series too short for the seasonal part is fitted without it (see `summary.notes`).
    public static func fit(
        _ y: [Double], order: SARIMAOrder, exog: [[Double]]? = nil, includeConstant: Bool = true
    ) throws -> SARIMAXFit {
        let xUser = try validate(y, order: order, exog: exog)
        var notes: [String] = []
        let order = try admissible(order, n: y.count, exogColumns: xUser.count, notes: &notes)
        guard let fit = fitOrder(y, order: order, userExog: xUser, includeConstant: includeConstant,
                                 notes: notes, thorough: true)
        else { throw ModelError("SARIMAX: the likelihood could not be evaluated for \(order)") }
        return fit
    }

    /// Stepwise auto.arima-style search by AICc (Hyndman & Khandakar 2008); period 1 = non-seasonal.
    ///
    /// - D ∈ {0, 1}: 1 when the seasonal strength of an STL decomposition exceeds 0.64 (forecast's and
    ///   statsforecast's "seas" test: mstl's seasonal window 11), only when n > 2m.
    /// - d ∈ {0, 1, 2}: KPSS level-stationarity tests at 5 % on the seasonally differenced series,
    ///   lag truncation ⌊3√n/13⌋, as forecast::ndiffs.
    /// - Start models (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1) with a constant
    ///   when d + D ≤ 1, then moves of ±1 in p, q, P, Q (singly and in pairs) and toggling the
    ///   constant, accepting the first improvement, with p, q ≤ 5, P, Q ≤ 2, at most 94 models.
    ///   Models with AR roots within 1.01 of the unit circle are rejected (MA invertibility is
    ///   enforced by the parametrisation; MA roots near the circle are accepted).
    /// - With a `budget`, the search fits no further candidate once it is exhausted (the first one that
    ///   can be estimated is always fitted) and skips the final refit of the chosen order; `summary.notes`
    ///   then says the search was cut short. nil: the whole search, whatever it takes.
    public static func fitAuto(_ y: [Double], period: Int, exog: [[Double]]? = nil, budget: TimeBudget? = nil) throws -> SARIMAXFit {
        try AutoSARIMA.search(y, period: period, exog: exog, budget: budget)
    }

    // MARK: - Internals

    /// Validates input; returns the user regressors column-major ([column][t]).
    static func validate(_ y: [Double], order: SARIMAOrder?, exog: [[Double]]?) throws -> [[Double]] {
        guard !y.isEmpty else { throw ModelError("SARIMAX: the series is empty") }
        guard y.allSatisfy({ $0.isFinite }) else { throw ModelError("SARIMAX: the series contains NaN or infinite values") }
        if let order {
            guard order.p >= 0, order.d >= 0, order.q >= 0, order.P >= 0, order.D >= 0, order.Q >= 0, order.period >= 1
            else { throw ModelError("SARIMAX: orders must be non-negative and the period at least 1") }
        }
        guard let exog, !exog.isEmpty else { return [] }
        guard exog.count == y.count else {
            throw ModelError("SARIMAX: exog has \(exog.count) rows but the series has \(y.count) values")
        }
        let k = exog[0].count
        guard exog.allSatisfy({ $0.count == k }) else { throw ModelError("SARIMAX: exog rows have different lengths") }
        guard exog.allSatisfy({ $0.allSatisfy { $0.isFinite } }) else {
            throw ModelError("SARIMAX: exog contains NaN or infinite values")
        }
        return (0..<k).map { j in exog.map { $0[j] } }
    }

    /// Falls back to simpler orders when the series is too short.
    static func admissible(_ order: SARIMAOrder, n: Int, exogColumns: Int, notes: inout [String]) throws -> SARIMAOrder {
        var order = order
        if order.period <= 1 || !(order.P > 0 || order.D > 0 || order.Q > 0) {
            order.P = 0; order.D = 0; order.Q = 0
        }
        // Seasonal AR/MA coefficients need two seasons of differenced data; a seasonal difference alone
        // estimates nothing seasonal and needs one (two seasons of the series).
        func enough(_ o: SARIMAOrder) -> Bool {
            let k = o.p + o.q + o.P + o.Q + exogColumns + 2
            let nStar = n - o.differencingLoss
            guard nStar >= k + 2 else { return false }
            if !o.isSeasonal { return true }
            return nStar >= (o.P + o.Q > 0 ? 2 : 1) * o.period
        }
        if order.isSeasonal && !enough(order) {
            var differenced = order
            differenced.P = 0
            differenced.Q = 0
            if differenced.D > 0 && enough(differenced) {
                notes.append("series of \(n) values is too short for the seasonal AR/MA terms of \(order); fitted \(differenced) instead")
                order = differenced
            } else {
                notes.append("series of \(n) values is too short for the seasonal part of \(order); fitted \(order.nonSeasonal) instead")
                order = order.nonSeasonal
            }
        }
        if !enough(order) {
            let fallback = SARIMAOrder(p: 0, d: min(order.d, 1), q: 0)
            guard n - fallback.d >= 2 else { throw ModelError("SARIMAX: the series is too short (\(n) values)") }
            notes.append("series of \(n) values is too short for \(order); fitted \(fallback) instead")
            order = fallback
        }
        return order
    }

    enum ConstantKind: String, Sendable, Codable { case none, intercept, drift }

    static func constantKind(_ order: SARIMAOrder, include: Bool) -> ConstantKind {
        guard include else { return .none }
        switch order.totalDifferences {
        case 0: return .intercept
        case 1: return .drift
        default: return .none
        }
    }

    /// Fits one admissible order; nil when the likelihood cannot be evaluated, or when `budget` ran out
    /// before the optimiser finished.
    static func fitOrder(
        _ y: [Double], order: SARIMAOrder, userExog: [[Double]], includeConstant: Bool,
        notes: [String], thorough: Bool, budget: TimeBudget? = nil
    ) -> SARIMAXFit? {
        var notes = notes
        let kind = constantKind(order, include: includeConstant)
        if includeConstant && kind == .none && order.totalDifferences >= 2 && !notes.contains(where: { $0.hasPrefix("no constant") }) {
            notes.append("no constant: d + D ≥ 2")
        }
        let n = y.count
        var columns: [[Double]] = []
        var names: [String] = []
        switch kind {
        case .intercept: columns.append([Double](repeating: 1, count: n)); names.append("intercept")
        case .drift: columns.append((1...n).map(Double.init)); names.append("drift")
        case .none: break
        }
        for (j, col) in userExog.enumerated() {
            columns.append(col)
            names.append("x\(j + 1)")
        }
        let problem = SARIMAXProblem(y: y, regressors: columns, order: order)
        guard problem.nObs > 0 else { return nil }
        guard let estimate = problem.estimate(thorough: thorough, budget: budget) else { return nil }
        return SARIMAXFit(problem: problem, estimate: estimate, constant: kind, regressorNames: names,
                          userExogColumns: userExog.count, notes: notes)
    }
}

/// The data of one fit: differenced series and regressors, and the likelihood as a function of
/// the unconstrained ARMA parameters.
struct SARIMAXProblem: Sendable {
    let order: SARIMAOrder
    let y: [Double]
    /// Regressors column-major ([column][t]), undifferenced.
    let regressors: [[Double]]
    /// Differenced y followed by the differenced regressors, column-major, nObs each.
    let data: [Double]
    let nObs: Int
    var columns: Int { regressors.count + 1 }
    var parameterCount: Int { order.p + order.q + order.P + order.Q }
    var m: Int { max(order.period, 1) }

    init(y: [Double], regressors: [[Double]], order: SARIMAOrder) {
        self.order = order
        self.y = y
        self.regressors = regressors
        let m = max(order.period, 1)
        let w = LagPolynomial.difference(y, d: order.d, D: order.D, period: m)
        var data = w
        for col in regressors { data += LagPolynomial.difference(col, d: order.d, D: order.D, period: m) }
        self.data = data
        nObs = w.count
    }

    struct Coefficients: Sendable {
        var ar: [Double], ma: [Double], sar: [Double], sma: [Double]
    }

    func coefficients(_ x: [Double]) -> Coefficients {
        var k = 0
        func take(_ count: Int) -> ArraySlice<Double> {
            defer { k += count }
            return x[k..<(k + count)]
        }
        let ar = LagPolynomial.constrainStationary(take(order.p))
        let ma = LagPolynomial.constrainStationary(take(order.q)).map { -$0 }
        let sar = LagPolynomial.constrainStationary(take(order.P))
        let sma = LagPolynomial.constrainStationary(take(order.Q)).map { -$0 }
        return Coefficients(ar: ar, ma: ma, sar: sar, sma: sma)
    }

    func kalman(_ c: Coefficients) -> ARMAKalman {
        ARMAKalman(ar: LagPolynomial.expandAR(c.ar, c.sar, period: m),
                   ma: LagPolynomial.expandMA(c.ma, c.sma, period: m))
    }

    struct Evaluation {
        var logLikelihood: Double
        var beta: [Double]
        var sigma2: Double
        var filter: ARMAKalman.Result
    }

    /// Exact profile log-likelihood (β and σ² concentrated out).
    func evaluate(_ x: [Double]) -> Evaluation? {
        let kf = kalman(coefficients(x))
        guard let res = kf.filter(data, n: nObs, columns: columns) else { return nil }
        let c = columns
        var beta: [Double] = []
        var ssr = res.cross[0]
        if c > 1 {
            let k = c - 1
            var xtx = Matrix(rows: k, columns: k)
            var xty = [Double](repeating: 0, count: k)
            for i in 0..<k {
                xty[i] = res.cross[(i + 1) * c]
                for j in 0..<k { xtx[i, j] = res.cross[(i + 1) * c + j + 1] }
            }
            guard let b = xtx.solve(xty) else { return nil }
            beta = b
            for i in 0..<k { ssr -= b[i] * xty[i] }
        }
        let n = Double(nObs)
        let sigma2 = ssr / n
        guard sigma2 > 0, sigma2.isFinite else { return nil }
        let ll = -0.5 * (n * log(2 * Double.pi * sigma2) + n + res.sumLogF)
        return Evaluation(logLikelihood: ll, beta: beta, sigma2: sigma2, filter: res)
    }

    /// Conditional sum of squares of the errors after an OLS regression on the differenced data,
    /// as 0.5·log(SSR/n) (R's CSS objective); used for starting values.
    func cssObjective(_ x: [Double], residual w: [Double]) -> Double {
        let c = coefficients(x)
        let phi = LagPolynomial.expandAR(c.ar, c.sar, period: m)
        let theta = LagPolynomial.expandMA(c.ma, c.sma, period: m)
        let start = phi.count
        guard nObs > start else { return .infinity }
        var e = [Double](repeating: 0, count: nObs)
        var ssq = 0.0
        for t in start..<nObs {
            var v = w[t]
            for (i, f) in phi.enumerated() where f != 0 { v -= f * w[t - i - 1] }
            for (j, th) in theta.enumerated() where th != 0 && t - j - 1 >= 0 { v -= th * e[t - j - 1] }
            e[t] = v
            ssq += v * v
        }
        return 0.5 * log(ssq / Double(nObs - start))
    }

    struct Estimate: Sendable {
        var x: [Double]
        var coefficients: Coefficients
        var beta: [Double]
        var sigma2: Double
        var logLikelihood: Double
        /// a_{n+1|n} of the regression errors' ARMA state and P_{n+1|n} (units of σ²).
        var state: [Double]
        var covariance: [Double]
        var converged: Bool
    }

    /// nil when no start gives a finite likelihood, or when `budget` runs out during an optimisation.
    func estimate(thorough: Bool, budget: TimeBudget? = nil) -> Estimate? {
        let k = parameterCount
        let n = Double(nObs)
        func objective(_ x: [Double]) -> Double {
            guard let e = evaluate(x) else { return .infinity }
            return -e.logLikelihood / n
        }
        var best: Optimize.Result?
        if k > 0 {
            // starting values: CSS on the OLS residuals of the differenced data
            var w = Array(data[0..<nObs])
            if columns > 1 {
                var xm = Matrix(rows: nObs, columns: columns - 1)
                for j in 0..<(columns - 1) { for t in 0..<nObs { xm[t, j] = data[(j + 1) * nObs + t] } }
                if let b = Matrix.leastSquares(xm, w, ridge: 1e-10) {
                    for t in 0..<nObs {
                        for j in 0..<(columns - 1) { w[t] -= b[j] * data[(j + 1) * nObs + t] }
                    }
                }
            }
            let zero = [Double](repeating: 0, count: k)
            var starts: [[Double]] = []
            let css = Optimize.bfgs({ cssObjective($0, residual: w) }, start: zero, maxIterations: 100,
                                    gradientTolerance: 1e-5, budget: budget)
            if css.interrupted { return nil }
            if css.value.isFinite { starts.append(css.x.map { min(max($0, -4), 4) }) }
            if thorough || starts.isEmpty { starts.append(zero) }
            for s in starts {
                // the search screens candidates with looser tolerances; the chosen one is refitted
                let r = Optimize.bfgs(objective, start: s, maxIterations: thorough ? 300 : 100,
                                      gradientTolerance: thorough ? 1e-7 : 1e-5,
                                      relativeTolerance: thorough ? 1e-13 : 1e-9, budget: budget)
                if r.interrupted { return nil }
                if r.value.isFinite && (best == nil || r.value < best!.value) { best = r }
            }
        }
        // With parameters to estimate and no start giving a finite likelihood, there is no estimate.
        if k > 0 && best == nil { return nil }
        let x = best?.x ?? []
        guard let e = evaluate(x) else { return nil }
        // state of the regression errors u = y - Xβ: the filter is linear in the data
        let r = e.filter.state.count / columns
        var state = Array(e.filter.state[0..<r])
        for j in 0..<e.beta.count {
            for i in 0..<r { state[i] -= e.beta[j] * e.filter.state[(j + 1) * r + i] }
        }
        return Estimate(x: x, coefficients: coefficients(x), beta: e.beta, sigma2: e.sigma2,
                        logLikelihood: e.logLikelihood, state: state, covariance: e.filter.covariance,
                        converged: best?.converged ?? true)
    }
}

extension SARIMAXProblem {
    /// The estimate at given ARMA coefficients (β and σ² concentrated out); nil when not stationary/invertible.
    func estimate(ar: [Double], ma: [Double], sar: [Double], sma: [Double]) -> Estimate? {
        guard let a = LagPolynomial.unconstrainStationary(ar),
              let b = LagPolynomial.unconstrainStationary(ma.map { -$0 }),
              let c = LagPolynomial.unconstrainStationary(sar),
              let d = LagPolynomial.unconstrainStationary(sma.map { -$0 })
        else { return nil }
        let x = a + b + c + d
        guard let e = evaluate(x) else { return nil }
        let r = e.filter.state.count / columns
        var state = Array(e.filter.state[0..<r])
        for j in 0..<e.beta.count {
            for i in 0..<r { state[i] -= e.beta[j] * e.filter.state[(j + 1) * r + i] }
        }
        return Estimate(x: x, coefficients: coefficients(x), beta: e.beta, sigma2: e.sigma2,
                        logLikelihood: e.logLikelihood, state: state, covariance: e.filter.covariance,
                        converged: true)
    }
}
