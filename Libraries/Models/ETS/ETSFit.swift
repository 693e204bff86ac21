#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fitted ETS model: parameters, states, in-sample fit and forecasts with prediction intervals.
public struct ETSFit: FittedForecaster, Equatable, Codable {
    /// The form actually fitted (it may be simpler than the one asked for; see `summary.notes`).
    public var spec: ETSSpec
    /// The seasonal period used: 1 when the fitted form has no season.
    public var period: Int
    public var parameters: ETSParameters
    /// States before the first observation (estimated by maximum likelihood, or backcast: see `initialStates`).
    public var initialState: ETSState
    /// How `initialState` was obtained.
    public var initialStates: ETSInitialStates = .optimized
    /// States after the last observation, the origin of the forecasts.
    public var finalState: ETSState
    /// One-step-ahead fitted values.
    public var fittedValues: [Double]
    /// Response residuals, y - fitted.
    public var residuals: [Double]
    /// Model innovations: y - fitted for additive errors, (y - fitted) / fitted for multiplicative ones.
    public var innovations: [Double]
    /// Innovation variance for the intervals: sum of squared innovations / (n - number of parameters), as R.
    public var sigma2: Double
    public var summary: ModelSummary

    /// Sample paths drawn for simulated intervals (forms with a multiplicative season).
    public static let simulationPaths = 5000
    /// Fixed seed, so simulated intervals are reproducible.
    public static let simulationSeed: UInt64 = 0x45_54_53

    /// Forecasts `horizon` steps with intervals at `levels` (percent), as R's forecast.ets does by the
    /// classes of Hyndman et al. (2008, ch. 6):
    /// - class 1, additive error and no multiplicative season: the exact Gaussian variance
    ///   v_h = sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta (phi + ... + phi^j) + gamma [j mod m = 0];
    /// - class 2, multiplicative error and no multiplicative season: the exact variance
    ///   v_h = (1 + sigma^2) theta_h - mu_h^2, theta_h = mu_h^2 + sigma^2 sum_{j<h} c_j^2 theta_{h-j}, with
    ///   Gaussian intervals around the point forecast mu_h;
    /// - multiplicative season: quantiles of simulated sample paths.
    public func forecast(horizon: Int, levels: [Double] = [80, 95]) -> Forecast {
        guard horizon > 0 else { return Forecast(mean: [], intervals: []) }
        let levels = levels.filter { $0 > 0 && $0 < 100 }
        let mean = pointForecast(horizon: horizon)
        if let sd = closedFormStandardDeviations(mean: mean) {
            return Forecast.gaussian(mean: mean, sd: sd, levels: levels)
        }
        return simulatedIntervals(mean: mean, levels: levels)
    }

    // MARK: - Internals

    var phi: Double { parameters.phi ?? 1 }

    func pointForecast(horizon: Int) -> [Double] {
        let l = finalState.level, b = finalState.trend
        var out = [Double](repeating: 0, count: horizon)
        var phiSum = 0.0
        var phiPower = 1.0
        for h in 0..<horizon {
            if spec.hasTrend {
                phiPower *= phi
                phiSum += phiPower
            }
            let q = l + phiSum * b
            switch spec.season {
            case .none: out[h] = q
            case .additive: out[h] = q + finalState.seasonal[h % period]
            case .multiplicative: out[h] = q * finalState.seasonal[h % period]
            }
        }
        return out
    }

    /// The forecast standard deviations of classes 1 and 2 (see ``forecast(horizon:levels:)``), nil for a
    /// multiplicative season.
    func closedFormStandardDeviations(mean: [Double]) -> [Double]? {
        guard spec.season != .multiplicative else { return nil }
        if spec.error == .additive { return linearStandardDeviations(horizon: mean.count) }
        let c = linearCoefficients(horizon: mean.count)
        var theta = [Double](repeating: 0, count: mean.count)
        var sd = theta
        for h in mean.indices {
            var sum = 0.0
            for j in stride(from: 1, through: h, by: 1) { sum += c[j] * c[j] * theta[h - j] }
            theta[h] = mean[h] * mean[h] + sigma2 * sum
            sd[h] = max((1 + sigma2) * theta[h] - mean[h] * mean[h], 0).squareRoot()
        }
        return sd
    }

    /// c_j = alpha + beta (phi + ... + phi^j) + gamma [j mod m = 0] for j = 0..<horizon (c_0 unused).
    func linearCoefficients(horizon: Int) -> [Double] {
        let alpha = parameters.alpha, beta = parameters.beta ?? 0, gamma = parameters.gamma ?? 0
        var c = [Double](repeating: 0, count: max(horizon, 1))
        var phiSum = 0.0
        var phiPower = 1.0
        for j in 1..<max(horizon, 1) {
            phiPower *= phi
            phiSum += phiPower
            c[j] = alpha + beta * phiSum
            if spec.hasSeason && j % period == 0 { c[j] += gamma }
        }
        return c
    }

    func linearStandardDeviations(horizon: Int) -> [Double] {
        let c = linearCoefficients(horizon: horizon)
        var sd = [Double](repeating: 0, count: horizon)
        var acc = 1.0
        for j in 0..<horizon {
            if j > 0 { acc += c[j] * c[j] }
            sd[j] = (sigma2 * acc).squareRoot()
        }
        return sd
    }

    func simulatedIntervals(mean: [Double], levels: [Double]) -> Forecast {
        let horizon = mean.count
        let columns = simulatedColumns(horizon: horizon)
        var lower = [[Double]](repeating: [Double](repeating: 0, count: horizon), count: levels.count)
        var upper = lower
        for h in 0..<horizon {
            for (i, level) in levels.enumerated() {
                let tail = (100 - level) / 200
                lower[i][h] = Statistics.quantile(sorted: columns[h], tail)
                upper[i][h] = Statistics.quantile(sorted: columns[h], 1 - tail)
            }
        }
        let intervals = levels.indices.map { PredictionInterval(level: levels[$0], lower: lower[$0], upper: upper[$0]) }
        return Forecast(mean: mean, intervals: intervals)
    }

    /// The predictive distribution of each step: Gaussian where the form has a closed-form variance,
    /// else the sorted simulated values (the same draws as the intervals of ``forecast(horizon:levels:)``).
    func marginals(horizon: Int) -> [ETSMarginal] {
        let mean = pointForecast(horizon: horizon)
        if let sd = closedFormStandardDeviations(mean: mean) {
            return (0..<horizon).map { .gaussian(mean: mean[$0], sd: sd[$0]) }
        }
        return simulatedColumns(horizon: horizon).map { .sample(sorted: $0) }
    }

    /// Simulated values of each forecast step, sorted: `simulationPaths` sample paths from the final state.
    func simulatedColumns(horizon: Int) -> [[Double]] {
        let paths = Self.simulationPaths
        let sigma = sigma2.squareRoot()
        let alpha = parameters.alpha, beta = parameters.beta ?? 0, gamma = parameters.gamma ?? 0
        let phiEff = spec.hasTrend ? phi : 0
        let m = period
        var rng = SeededGenerator(seed: Self.simulationSeed)
        var draws = [Double](repeating: 0, count: horizon * paths)
        var season = [Double](repeating: 0, count: max(m, 1))
        let multError = spec.error == .multiplicative
        for path in 0..<paths {
            var l = finalState.level
            var b = finalState.trend
            if spec.hasSeason { for k in 0..<m { season[k] = finalState.seasonal[k] } }
            var k = 0
            for h in 0..<horizon {
                let phib = phiEff * b
                let q = l + phib
                var s = 0.0, mu = q
                switch spec.season {
                case .none: break
                case .additive: s = season[k]; mu = q + s
                case .multiplicative: s = season[k]; mu = q * s
                }
                let eps = sigma * rng.normal()
                let y = multError ? mu * (1 + eps) : mu + eps
                draws[h * paths + path] = y
                var p = y
                switch spec.season {
                case .none: break
                case .additive: p = y - s
                case .multiplicative: p = s != 0 ? y / s : q
                }
                let d = p - q
                l = q + alpha * d
                if spec.hasTrend { b = phib + beta * d }
                switch spec.season {
                case .none: break
                case .additive: season[k] = s + gamma * (y - q - s)
                case .multiplicative: if q != 0 { season[k] = s + gamma * (y / q - s) }
                }
                k += 1
                if k == m { k = 0 }
            }
        }
        return (0..<horizon).map { h in
            var column = Array(draws[(h * paths)..<((h + 1) * paths)])
            // A non-finite path (explosive multiplicative dynamics) sorts to the ends instead of poisoning the sort.
            for i in column.indices where !column[i].isFinite { column[i] = column[i] < 0 ? -.greatestFiniteMagnitude : .greatestFiniteMagnitude }
            column.sort()
            return column
        }
    }

    /// Builds the fit from the optimiser's unconstrained parameters: reruns the recursion, keeping the
    /// fitted values, innovations and final states.
    static func make(_ y: [Double], spec: ETSSpec, period m: Int, layout: HoltWinters.Layout, x: [Double], notes: [String], initialStates: ETSInitialStates = .optimized) -> ETSFit? {
        let n = y.count
        var seasonBuffer = [Double](repeating: 0, count: max(m, 1))
        var fitted = [Double](repeating: 0, count: n)
        var innovations = [Double](repeating: 0, count: n)
        var initialSeasonal: [Double] = []
        var decoded: (alpha: Double, beta: Double, gamma: Double, phi: Double, level: Double, trend: Double)?
        let output: ETSKernel.Output? = seasonBuffer.withUnsafeMutableBufferPointer { season in
            let p = layout.decode(x, season: season)
            decoded = p
            if spec.hasSeason { initialSeasonal = Array(season) }
            return y.withUnsafeBufferPointer { yb in
                fitted.withUnsafeMutableBufferPointer { fb in
                    innovations.withUnsafeMutableBufferPointer { eb in
                        ETSKernel.run(
                            yb, spec: spec, m: m, alpha: p.alpha, beta: p.beta, gamma: p.gamma, phi: p.phi,
                            level: p.level, trend: p.trend, season: season, fitted: fb, innovations: eb)
                    }
                }
            }
        }
        guard let output, let p = decoded else { return nil }
        let finalSeasonal = spec.hasSeason ? (0..<m).map { seasonBuffer[(n + $0) % m] } : []
        let k = spec.parameterCount(period: m, initialStates: initialStates)
        let ll = ETSKernel.logLikelihood(output, n: n, spec: spec)
        let sigma2 = output.sse / Double(n > k ? n - k : n)
        let parameters = ETSParameters(
            alpha: p.alpha,
            beta: spec.hasTrend ? p.beta : nil,
            gamma: spec.hasSeason ? p.gamma : nil,
            phi: spec.isDamped ? p.phi : nil)
        var named: [String: Double] = ["alpha": p.alpha, "l0": p.level, "sigma2": sigma2]
        if let beta = parameters.beta { named["beta"] = beta; named["b0"] = p.trend }
        if let gamma = parameters.gamma { named["gamma"] = gamma }
        if let phi = parameters.phi { named["phi"] = phi }
        for (i, s) in initialSeasonal.enumerated() { named["s\(i)"] = s }
        let summary = ModelSummary(
            form: spec.name, parameters: named,
            criteria: InformationCriteria(logLikelihood: ll, parameterCount: k, observations: n),
            notes: notes)
        return ETSFit(
            spec: spec, period: spec.hasSeason ? m : 1, parameters: parameters,
            initialState: ETSState(level: p.level, trend: spec.hasTrend ? p.trend : 0, seasonal: initialSeasonal),
            initialStates: initialStates,
            finalState: ETSState(level: output.finalLevel, trend: output.finalTrend, seasonal: finalSeasonal),
            fittedValues: fitted,
            residuals: zip(y, fitted).map { $0 - $1 },
            innovations: innovations,
            sigma2: sigma2,
            summary: summary)
    }
}

extension ETSFit {
    /// AICc of the fit (infinite when there are too few observations for it).
    var aicc: Double { summary.criteria?.aicc ?? .infinity }

    /// The number of estimated parameters of the fit, the k of its information criteria.
    var parameterCount: Int { spec.parameterCount(period: period, initialStates: initialStates) }
}

extension ETSFit {
    /// The log-likelihood of the in-sample forecasts 1 to `horizon` steps ahead, averaged over the steps.
    ///
    /// The recursion is rerun over `y` (the series the form was fitted to) with the fitted parameters, and
    /// from every origin t the point forecasts of steps 1...horizon are compared with the observations.
    /// Step j's errors get the Gaussian likelihood with their variance concentrated out, as the one-step
    /// errors do in the fit: additive errors N(yhat, sigma_j^2), multiplicative ones N(yhat, sigma_j^2 yhat^2),
    /// scaled to n observations. The mean over the steps is a likelihood of y under each form's multi-step
    /// forecasts, so forms are compared on what they will be used for (the "trace" criteria of multi-step
    /// estimation, Kourentzes & Svetunkov). With `horizon` 1 it is the fit's own log-likelihood.
    /// Nil when the recursion leaves the form's domain, or when `y` is not the series of the fit.
    public func multiStepLogLikelihood(_ y: [Double], horizon: Int) -> Double? {
        let n = y.count
        guard n > 0, n == fittedValues.count else { return nil }
        let steps = max(1, min(horizon, n - 1))
        let m = period
        let alpha = parameters.alpha, beta = parameters.beta ?? 0, gamma = parameters.gamma ?? 0
        let phiEff = spec.hasTrend ? phi : 0
        let multError = spec.error == .multiplicative
        // phiSums[j] = phi + ... + phi^(j+1): the trend multiplier of step j + 1.
        var phiSums = [Double](repeating: 0, count: steps)
        var power = 1.0, sum = 0.0
        for j in 0..<steps { power *= phiEff; sum += power; phiSums[j] = sum }
        var sse = [Double](repeating: 0, count: steps)
        var sumLog = [Double](repeating: 0, count: steps)
        var counts = [Int](repeating: 0, count: steps)
        var season = spec.hasSeason ? initialState.seasonal : [0]
        var l = initialState.level, b = spec.hasTrend ? initialState.trend : 0
        let tiny = 1e-10
        for t in 0..<n {
            // Forecasts from origin t (the state before y[t]) of y[t], ..., y[t + steps - 1].
            for j in 0..<min(steps, n - t) {
                let q = l + phiSums[j] * b
                var yhat = q
                switch spec.season {
                case .none: break
                case .additive: yhat = q + season[(t + j) % m]
                case .multiplicative: yhat = q * season[(t + j) % m]
                }
                let e = y[t + j] - yhat
                if multError {
                    let a = abs(yhat)
                    guard a > tiny else { return nil }
                    sse[j] += (e / yhat) * (e / yhat)
                    sumLog[j] += log(a)
                } else {
                    sse[j] += e * e
                }
                counts[j] += 1
            }
            // The update with y[t], as in ETSKernel.run.
            let k = t % m
            let phib = phiEff * b
            let q = l + phib
            var p = y[t]
            let s = spec.hasSeason ? season[k] : 0
            switch spec.season {
            case .none: break
            case .additive: p = y[t] - s
            case .multiplicative:
                guard abs(s) > tiny else { return nil }
                p = y[t] / s
            }
            let d = p - q
            l = q + alpha * d
            if spec.hasTrend { b = phib + beta * d }
            switch spec.season {
            case .none: break
            case .additive: season[k] = s + gamma * (y[t] - q - s)
            case .multiplicative:
                guard abs(q) > tiny else { return nil }
                season[k] = s + gamma * (y[t] / q - s)
            }
        }
        var total = 0.0
        let nd = Double(n)
        for j in 0..<steps {
            let c = Double(counts[j])
            var ll = -c / 2 * (log(2 * Double.pi * max(sse[j], 1e-300) / c) + 1)
            if multError { ll -= sumLog[j] }
            total += ll * nd / c
        }
        let mean = total / Double(steps)
        return mean.isFinite ? mean : nil
    }
}
