/// A fitted SARIMAX model.
public struct SARIMAXFit: FittedForecaster {
    public let order: SARIMAOrder
    public internal(set) var summary: ModelSummary
    /// Non-seasonal AR φ, MA θ, seasonal AR Φ and MA Θ coefficients (statsmodels' signs:
    /// (1 - Σφ L^i) and (1 + Σθ L^i)).
    public let ar: [Double]
    public let ma: [Double]
    public let seasonalAR: [Double]
    public let seasonalMA: [Double]
    /// Regression coefficients in the order of `regressorNames` ("intercept" or "drift" first when
    /// present, then "x1", "x2", … for the exog columns).
    public let regressionCoefficients: [Double]
    public let regressorNames: [String]
    /// Innovation variance σ² (maximum likelihood).
    public let sigma2: Double
    /// Exact log-likelihood of the n - d - D·m differenced observations.
    public var logLikelihood: Double { summary.criteria?.logLikelihood ?? .nan }
    /// AICc with k = ARMA coefficients + regressors + 1 (σ²), n = n - d - D·m (as auto.arima).
    public var aicc: Double { summary.criteria?.aicc ?? .nan }
    /// Number of exog columns the model expects at forecast time.
    public let exogColumns: Int

    let constant: SARIMAX.ConstantKind
    let n: Int
    /// Regression errors u_t = y_t - x_t'β over the last d + D·m observations (oldest first).
    let uTail: [Double]
    /// Last observed exog row (used when forecasting without future exog).
    let lastExog: [Double]
    let phi: [Double]
    let theta: [Double]
    let state: [Double]
    let covariance: [Double]

    init(problem: SARIMAXProblem, estimate e: SARIMAXProblem.Estimate, constant: SARIMAX.ConstantKind,
         regressorNames: [String], userExogColumns: Int, notes: [String]) {
        let order = problem.order
        self.order = order
        ar = e.coefficients.ar
        ma = e.coefficients.ma
        seasonalAR = e.coefficients.sar
        seasonalMA = e.coefficients.sma
        regressionCoefficients = e.beta
        self.regressorNames = regressorNames
        sigma2 = e.sigma2
        exogColumns = userExogColumns
        self.constant = constant
        n = problem.y.count
        let m = problem.m
        phi = LagPolynomial.expandAR(ar, seasonalAR, period: m)
        theta = LagPolynomial.expandMA(ma, seasonalMA, period: m)
        state = e.state
        covariance = e.covariance
        let s = order.differencingLoss
        var tail: [Double] = []
        for t in (n - s)..<n {
            var u = problem.y[t]
            for (j, col) in problem.regressors.enumerated() { u -= e.beta[j] * col[t] }
            tail.append(u)
        }
        uTail = tail
        let userStart = problem.regressors.count - userExogColumns
        let last = problem.y.count - 1
        lastExog = (userStart..<problem.regressors.count).map { problem.regressors[$0][last] }

        var params: [String: Double] = [:]
        for (name, b) in zip(regressorNames, e.beta) { params[name] = b }
        for (i, v) in ar.enumerated() { params["ar.L\(i + 1)"] = v }
        for (i, v) in ma.enumerated() { params["ma.L\(i + 1)"] = v }
        for (i, v) in seasonalAR.enumerated() { params["ar.S.L\((i + 1) * m)"] = v }
        for (i, v) in seasonalMA.enumerated() { params["ma.S.L\((i + 1) * m)"] = v }
        params["sigma2"] = e.sigma2
        let k = problem.parameterCount + e.beta.count + 1
        let criteria = InformationCriteria(logLikelihood: e.logLikelihood, parameterCount: k, observations: problem.nObs)
        var notes = notes
        if !e.converged { notes.append("optimiser stopped before convergence") }
        var form = order.description
        switch constant {
        case .intercept: form += " with non-zero mean"
        case .drift: form += " with drift"
        case .none: break
        }
        if userExogColumns > 0 { form = "Regression with \(form) errors" }
        summary = ModelSummary(form: form, parameters: params, criteria: criteria, notes: notes)
    }

    /// Forecasts `horizon` steps.  A model with exog regressors holds the last observed exog row
    /// constant; pass future values with `forecast(horizon:levels:exog:)` instead.
    public func forecast(horizon: Int, levels: [Double] = [80, 95]) -> Forecast {
        let future = [[Double]](repeating: lastExog, count: max(horizon, 0))
        return forecastWithExog(horizon: horizon, levels: levels, exog: future)
    }

    /// Forecasts `horizon` steps with future regressor values `exog[h][k]` (horizon × exogColumns).
    public func forecast(horizon: Int, levels: [Double] = [80, 95], exog: [[Double]]?) throws -> Forecast {
        let future = exog ?? []
        if exogColumns == 0 {
            guard future.isEmpty || future.allSatisfy({ $0.isEmpty }) else {
                throw ModelError("SARIMAX: the model has no exog regressors but exog was given")
            }
            return forecastWithExog(horizon: horizon, levels: levels,
                                    exog: [[Double]](repeating: [], count: max(horizon, 0)))
        }
        guard future.count == horizon else {
            throw ModelError("SARIMAX: exog has \(future.count) rows but the horizon is \(horizon)")
        }
        guard future.allSatisfy({ $0.count == exogColumns && $0.allSatisfy { $0.isFinite } }) else {
            throw ModelError("SARIMAX: future exog rows must have \(exogColumns) finite values")
        }
        return forecastWithExog(horizon: horizon, levels: levels, exog: future)
    }

    /// Point forecasts and their standard errors, exact given the parameters: the ARMA state
    /// (a_{n+1|n}, P_{n+1|n}) is augmented with the last d + D·m regression errors and propagated
    /// through the integration u_t = w_t + Σ c_j u_{t-j}.
    func meanAndSE(horizon: Int, exog: [[Double]]) -> (mean: [Double], se: [Double]) {
        guard horizon > 0 else { return ([], []) }
        let r = state.count
        let c = LagPolynomial.differencing(d: order.d, D: order.D, period: max(order.period, 1))
        let s = c.count
        let dim = r + s
        var mean = [Double](repeating: 0, count: dim)
        var cov = [Double](repeating: 0, count: dim * dim)
        for i in 0..<r { mean[i] = state[i] }
        for i in 0..<r { for j in 0..<r { cov[i * dim + j] = covariance[i * r + j] } }
        for j in 0..<s { mean[r + j] = uTail[s - 1 - j] }  // lag j+1
        var phiPadded = [Double](repeating: 0, count: r)
        for (i, v) in phi.enumerated() where i < r { phiPadded[i] = v }
        var rvec = [Double](repeating: 0, count: r)
        rvec[0] = 1
        for (i, v) in theta.enumerated() where i + 1 < r { rvec[i + 1] = v }
        // z: u_t = α_t[0] + Σ c_j u_{t-j}
        var z = [Double](repeating: 0, count: dim)
        z[0] = 1
        for j in 0..<s { z[r + j] = c[j] }
        // transition G
        var g = [Double](repeating: 0, count: dim * dim)
        for i in 0..<r {
            g[i * dim] = phiPadded[i]
            if i + 1 < r { g[i * dim + i + 1] = 1 }
        }
        if s > 0 {
            for k in 0..<dim { g[r * dim + k] = z[k] }
            for j in 1..<max(s, 1) { g[(r + j) * dim + r + j - 1] = 1 }
        }
        var outMean: [Double] = []
        var outSE: [Double] = []
        var tmp = [Double](repeating: 0, count: dim * dim)
        for h in 0..<horizon {
            var mu = 0.0
            for k in 0..<dim { mu += z[k] * mean[k] }
            var v = 0.0
            for i in 0..<dim where z[i] != 0 {
                for j in 0..<dim where z[j] != 0 { v += z[i] * cov[i * dim + j] * z[j] }
            }
            var xb = 0.0
            var col = 0
            switch constant {
            case .intercept: xb += regressionCoefficients[0]; col = 1
            case .drift: xb += regressionCoefficients[0] * Double(n + h + 1); col = 1
            case .none: break
            }
            for (k, value) in exog[h].enumerated() { xb += regressionCoefficients[col + k] * value }
            outMean.append(xb + mu)
            outSE.append((max(v, 0) * sigma2).squareRoot())
            // propagate: mean ← G mean, cov ← G cov G' + R R'
            var newMean = [Double](repeating: 0, count: dim)
            for i in 0..<dim {
                var acc = 0.0
                for k in 0..<dim where g[i * dim + k] != 0 { acc += g[i * dim + k] * mean[k] }
                newMean[i] = acc
            }
            mean = newMean
            for i in 0..<dim {
                for j in 0..<dim {
                    var acc = 0.0
                    for k in 0..<dim where g[i * dim + k] != 0 { acc += g[i * dim + k] * cov[k * dim + j] }
                    tmp[i * dim + j] = acc
                }
            }
            for i in 0..<dim {
                for j in 0..<dim {
                    var acc = 0.0
                    for k in 0..<dim where g[j * dim + k] != 0 { acc += tmp[i * dim + k] * g[j * dim + k] }
                    cov[i * dim + j] = acc + (i < r && j < r ? rvec[i] * rvec[j] : 0)
                }
            }
        }
        return (outMean, outSE)
    }

    func forecastWithExog(horizon: Int, levels: [Double], exog: [[Double]]) -> Forecast {
        let (mean, se) = meanAndSE(horizon: horizon, exog: exog)
        return Forecast.gaussian(mean: mean, sd: se, levels: levels)
    }
}
