#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exponential smoothing (ETS) state-space models fitted by maximum likelihood.
///
/// The likelihood is R's / statsmodels' ETS likelihood with the variance concentrated out
/// (n log SSE + 2 sum log|yhat| for multiplicative errors), maximised over the smoothing parameters and
/// the initial states within the usual bounds: 1e-4 < alpha < 1 - 1e-4, beta = alpha beta* and
/// gamma = (1 - alpha) gamma* with beta*, gamma* in (1e-4, 1 - 1e-4), 0.8 < phi < 0.98 (statsmodels'
/// ETSModel defaults). The bounds are enforced by logistic transforms; BFGS does the search.
/// ``fitCombination(_:period:weighting:horizon:bootstrapSeries:initialStates:validation:budget:)`` backcasts the initial
/// states of the non-seasonal forms instead (``ETSInitialStates/backcast``).
public enum HoltWinters {
    /// Seasonal periods above this are not modelled: the initial seasonal states would dominate the
    /// parameter count. R's ets() stops at 24; 52 admits weekly data with a yearly cycle (as statsmodels
    /// and statsforecast do), and the information criteria weigh whether the m - 1 extra states pay off.
    public static let maximumSeasonalPeriod = 52

    /// Auto-ETS: fits every admissible form and returns the one with the lowest AICc.
    /// `period` 1 means non-seasonal. Multiplicative forms are only tried on strictly positive data,
    /// additive error with multiplicative season is excluded (R's `restrict = TRUE`), damping is allowed.
    /// ``fitCombination(_:period:)`` averages the forms by their Akaike weights instead of picking one.
    public static func fitAuto(_ y: [Double], period: Int) throws -> ETSFit {
        let candidates = try fitCandidates(y, period: period)
        guard var chosen = candidates.fits.min(by: { $0.aicc < $1.aicc }) else {
            return try simpleFallback(y, notes: candidates.notes)
        }
        chosen.summary.notes = candidates.notes + ["auto: lowest AICc of \(candidates.considered) admissible forms"] + chosen.summary.notes
        return chosen
    }

    /// Auto-ETS by model averaging: every admissible form (the candidates of ``fitAuto(_:period:)``)
    /// combined with Akaike weights (or, with `weighting` ``ETSWeighting/multiStep``, weights from the
    /// forms' in-sample forecasts 1...`horizon` steps ahead), see ``ETSCombination``. When no form but
    /// simple exponential smoothing can be fitted, that form alone.
    ///
    /// The non-seasonal forms' initial states are backcast by default (`initialStates`, see
    /// ``ETSInitialStates/backcast``): on short series this forecasts better than estimating them, on the
    /// benchmark's yearly series and on 439 annual series outside it (BENCHMARKS.md, "2026-12-05: backcast initial states for the non-seasonal forms").
    ///
    /// On long series `validation` (``ETSValidation``) holds out the last windows of `horizon` points and
    /// combines the additive-error forms only when they forecast those windows better than all forms do;
    /// `horizon` should be the horizon the combination will forecast. `nil` combines every form.
    ///
    /// With `bootstrapSeries` above 1 the combination is bagged (Bergmeir, Hyndman & Benítez 2016):
    /// `bootstrapSeries - 1` series are rebuilt from `y`'s Box–Cox-transformed trend and season and a
    /// moving block bootstrap of its remainder (``ETSBagging``), each gets its own combination, and `y`'s
    /// combination and theirs are pooled with equal weight (``ETSCombination/init(pooling:form:notes:)``).
    /// It is not the default: with 5 series it costs five fits, and while it scores better on the
    /// benchmark's yearly, daily and weekly series it is worse on its monthly and quarterly ones and on
    /// 439 annual series outside the benchmark (BENCHMARKS.md, "held-out annual series").
    ///
    /// With a `budget`, forms are fitted until it is exhausted (at least one whatever the budget) and the
    /// combination is of those (``fitCandidates(_:period:initialStates:budget:)``); bagging fits no further
    /// bootstrap series once it is exhausted. nil: every form, whatever it takes.
    public static func fitCombination(
        _ y: [Double], period: Int, weighting: ETSWeighting = .akaike, horizon: Int = 1, bootstrapSeries: Int = 1,
        initialStates: ETSInitialStates = .backcast, validation: ETSValidation? = .standard, budget: TimeBudget? = nil
    ) throws -> ETSCombination {
        if bootstrapSeries > 1 {
            let original = try fitCombination(
                y, period: period, weighting: weighting, horizon: horizon, initialStates: initialStates, validation: validation, budget: budget)
            var ignored: [String] = []
            let m = seasonalPeriod(n: y.count, period: period, notes: &ignored)
            let (series, lambda) = ETSBagging.bootstrap(y, period: m, count: bootstrapSeries, seed: bootstrapSeed)
            guard series.count > 1 else { return original }
            var parts = [original]
            var outOfTime = false
            for bootstrap in series.dropFirst() {
                if let budget, budget.isExhausted { outOfTime = true; break }
                if let part = try? fitCombination(
                    bootstrap, period: period, weighting: weighting, horizon: horizon, initialStates: initialStates, validation: validation, budget: budget) {
                    parts.append(part)
                }
            }
            let decomposition = m > 1 && y.count >= 2 * m ? "STL (periodic season)" : "loess trend"
            var notes = original.summary.notes + [
                "bagged (Bergmeir et al. 2016): the series and \(parts.count - 1) bootstraps (Box-Cox lambda \((lambda * 1000).rounded() / 1000)), \(decomposition), moving blocks of the remainder), each an Akaike-weighted combination, pooled with equal weight"
            ]
            if let budget, outOfTime {
                notes.append("bagging stopped after \(parts.count - 1) of \(series.count - 1) bootstrap series: \(budget) reached")
            }
            return ETSCombination(pooling: parts, form: "ETS bagged over \(parts.count) series", notes: notes)
        }
        let candidates = try fitCandidates(y, period: period, initialStates: initialStates, budget: budget)
        if candidates.fits.isEmpty {
            return try ETSCombination(members: [simpleFallback(y, notes: [])], notes: candidates.notes)
        }
        let combine = { (fits: [ETSFit], series: [Double]) throws -> ETSCombination in
            if weighting == .multiStep,
               let combination = try? ETSCombination(members: fits, weighting: .multiStep, series: series, horizon: horizon) {
                return combination
            }
            return try ETSCombination(members: fits)
        }
        let choice = validation.flatMap {
            chooseErrorType(y, fits: candidates.fits, validation: $0, horizon: horizon, budget: budget, combine: combine)
        }
        var combination = try choice?.combination ?? combine(candidates.fits, y)
        combination.summary.notes = candidates.notes + (choice.map { [$0.note] } ?? []) + combination.summary.notes
        return combination
    }

    /// Every admissible form fitted by maximum likelihood (the candidate set of ``fitAuto(_:period:)``).
    public struct Candidates: Sendable {
        /// The forms that could be fitted, each with its AICc in `summary.criteria`.
        public var fits: [ETSFit]
        /// How many forms were admissible (some may have failed to fit).
        public var considered: Int
        /// Why forms were left out (short series, non-positive data, long season).
        public var notes: [String]
    }

    /// Fits every admissible form: seasonal forms when the period can be modelled, multiplicative ones on
    /// strictly positive data only, no additive error with multiplicative season, and only forms with at
    /// least four more observations than parameters. With `initialStates` ``ETSInitialStates/backcast`` the
    /// non-seasonal forms' initial states are backcast (and not counted as parameters); seasonal forms
    /// always estimate theirs.
    ///
    /// With a `budget`, no further form is fitted once it is exhausted and one has been fitted; a note
    /// says how many were. nil: every admissible form.
    public static func fitCandidates(
        _ y: [Double], period: Int, initialStates: ETSInitialStates = .optimized, budget: TimeBudget? = nil
    ) throws -> Candidates {
        try validate(y, period: period)
        var notes: [String] = []
        let n = y.count
        let positive = y.allSatisfy { $0 > 0 }
        let m = seasonalPeriod(n: n, period: period, notes: &notes)
        if !positive { notes.append("data not strictly positive: multiplicative forms not considered") }
        var specs: [ETSSpec] = []
        for error in ETSSpec.ErrorType.allCases {
            for trend in ETSSpec.TrendType.allCases {
                for season in ETSSpec.SeasonType.allCases {
                    let spec = ETSSpec(error: error, trend: trend, season: season)
                    if spec.hasSeason && m == 1 { continue }
                    if !positive && spec.usesMultiplication { continue }
                    if error == .additive && season == .multiplicative { continue }
                    if !hasRoom(for: spec, n: n, m: m, initialStates: initialStates) { continue }
                    specs.append(spec)
                }
            }
        }
        if specs.isEmpty {
            notes.append("too few observations (\(n)) for any form but simple exponential smoothing")
        }
        var fits: [ETSFit] = []
        for (i, spec) in specs.enumerated() {
            if let budget, fits.contains(where: { $0.aicc.isFinite }), budget.isExhausted {
                notes.append("stopped after \(i) of \(specs.count) forms: \(budget) reached")
                break
            }
            if let fit = fitForm(y, spec: spec, m: m, initialStates: initialStates) { fits.append(fit) }
        }
        return Candidates(fits: fits.filter { $0.aicc.isFinite }, considered: specs.count, notes: notes)
    }

    /// Whether `n` observations support `spec` with seasonal period `m`: at least four more than its
    /// parameters, and two full seasons for a seasonal form.
    static func hasRoom(for spec: ETSSpec, n: Int, m: Int, initialStates: ETSInitialStates) -> Bool {
        n > spec.parameterCount(period: m, initialStates: initialStates) + 3 && (!spec.hasSeason || n >= 2 * m)
    }

    /// `spec` fitted to `y`: a non-seasonal form's initial states backcast when `initialStates` says so,
    /// estimated otherwise.
    static func fitForm(_ y: [Double], spec: ETSSpec, m: Int, initialStates: ETSInitialStates) -> ETSFit? {
        initialStates == .backcast && !spec.hasSeason
            ? estimateBackcast(y, spec: spec, notes: [])
            : estimate(y, spec: spec, m: spec.hasSeason ? m : 1, notes: [])
    }

    /// Fits one form. A form the data cannot support is simplified (season dropped when there are fewer
    /// than two full seasons, multiplicative components made additive for non-positive data, components
    /// dropped when there are too few observations for the parameters), and the reason is recorded in
    /// `summary.notes`.
    public static func fit(_ y: [Double], period: Int, spec: ETSSpec) throws -> ETSFit {
        try validate(y, period: period)
        var notes: [String] = []
        let n = y.count
        var spec = spec
        var m = 1
        if spec.hasSeason {
            m = seasonalPeriod(n: n, period: period, notes: &notes)
            if m == 1 { spec.season = .none }
        }
        if !y.allSatisfy({ $0 > 0 }) && spec.usesMultiplication {
            notes.append("data not strictly positive: multiplicative components replaced by additive ones")
            spec.error = .additive
            if spec.season == .multiplicative { spec.season = .additive }
        }
        while n <= spec.parameterCount(period: m) + 3 && spec != .simple && spec != ETSSpec(error: spec.error, trend: .none, season: .none) {
            let before = spec.name
            if spec.hasSeason { spec.season = .none; m = 1 }
            else if spec.isDamped { spec.trend = .additive }
            else { spec.trend = .none }
            notes.append("too few observations (\(n)) for \(before): fitted \(spec.name)")
        }
        if n < 4 { notes.append("very short series (\(n) observations): estimates are unreliable") }
        if let fit = estimate(y, spec: spec, m: m, notes: notes) { return fit }
        if spec.hasTrend || spec.hasSeason || spec.error == .multiplicative {
            return try simpleFallback(y, notes: notes + ["\(spec.name) could not be fitted"])
        }
        throw ModelError("ETS: the likelihood could not be evaluated for \(spec.name)")
    }

    // MARK: - Internals

    static func validate(_ y: [Double], period: Int) throws {
        guard !y.isEmpty else { throw ModelError("ETS: the series is empty") }
        guard y.allSatisfy({ $0.isFinite }) else { throw ModelError("ETS: the series contains NaN or infinite values") }
        guard period >= 1 else { throw ModelError("ETS: the seasonal period must be at least 1, got \(period)") }
    }

    /// The seasonal period that can be modelled, or 1 with a note saying why not.
    static func seasonalPeriod(n: Int, period: Int, notes: inout [String]) -> Int {
        if period == 1 { return 1 }
        if period > maximumSeasonalPeriod {
            notes.append("seasonal period \(period) > \(maximumSeasonalPeriod): non-seasonal forms only")
            return 1
        }
        if n < 2 * period {
            notes.append("fewer than two full seasons (\(n) observations, period \(period)): non-seasonal forms only")
            return 1
        }
        return period
    }

    static func simpleFallback(_ y: [Double], notes: [String]) throws -> ETSFit {
        if let fit = estimate(y, spec: .simple, m: 1, notes: notes + ["fell back to simple exponential smoothing"]) {
            return fit
        }
        throw ModelError("ETS: simple exponential smoothing could not be fitted")
    }

    /// Seed of the bootstrap of ``fitCombination(_:period:weighting:horizon:bootstrapSeries:)``, so bagged
    /// forecasts are reproducible.
    static let bootstrapSeed: UInt64 = 0x4241_4747

    static let smoothingLower = 1e-4
    static let smoothingUpper = 1 - 1e-4
    static let phiLower = 0.8
    static let phiUpper = 0.98

    @inline(__always) static func squash(_ u: Double, _ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) / (1 + exp(-u))
    }

    @inline(__always) static func unsquash(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        let p = min(max((v - lo) / (hi - lo), 1e-6), 1 - 1e-6)
        return log(p / (1 - p))
    }

    /// Layout of the unconstrained parameter vector:
    /// [alpha, beta*?, gamma*?, phi?, level, trend?, seasonal_1 ... seasonal_{m-1}?]
    /// States are divided by `scale` (additive seasonal states too) so all coordinates are O(1).
    struct Layout {
        let spec: ETSSpec
        let m: Int
        let scale: Double
        var count: Int {
            1 + (spec.hasTrend ? 1 : 0) + (spec.hasSeason ? 1 : 0) + (spec.isDamped ? 1 : 0)
                + 1 + (spec.hasTrend ? 1 : 0) + (spec.hasSeason ? m - 1 : 0)
        }

        /// Decodes smoothing parameters and initial states; writes the m seasonal states into `season`.
        @inline(__always)
        func decode(_ x: [Double], season: UnsafeMutableBufferPointer<Double>)
            -> (alpha: Double, beta: Double, gamma: Double, phi: Double, level: Double, trend: Double)
        {
            var i = 0
            let alpha = squash(x[i], smoothingLower, smoothingUpper); i += 1
            var beta = 0.0, gamma = 0.0, phi = 1.0
            if spec.hasTrend { beta = alpha * squash(x[i], smoothingLower, smoothingUpper); i += 1 }
            if spec.hasSeason { gamma = (1 - alpha) * squash(x[i], smoothingLower, smoothingUpper); i += 1 }
            if spec.isDamped { phi = squash(x[i], phiLower, phiUpper); i += 1 }
            let level = x[i] * scale; i += 1
            var trend = 0.0
            if spec.hasTrend { trend = x[i] * scale; i += 1 }
            if spec.hasSeason {
                let multiplicative = spec.season == .multiplicative
                var total = 0.0
                for k in 1..<m {
                    let s = multiplicative ? x[i] : x[i] * scale
                    season[k] = s
                    total += s
                    i += 1
                }
                season[0] = (multiplicative ? Double(m) : 0) - total
            }
            return (alpha, beta, gamma, phi, level, trend)
        }

        /// Floor on the sum of squares so constant series keep a finite likelihood.
        func sseFloor(n: Int) -> Double {
            Double(n) * 1e-20 * (spec.error == .multiplicative ? 1 : scale * scale)
        }

        /// The fitting objective at `x`: log(SSE / n), plus 2 Σ log|yhat| / n for multiplicative errors
        /// (R's ets likelihood divided by n); +∞ where the recursion leaves the form's domain.
        func objective(_ x: [Double], y: UnsafeBufferPointer<Double>, sseFloor: Double, season: UnsafeMutableBufferPointer<Double>) -> Double {
            let p = decode(x, season: season)
            guard let out = ETSKernel.run(
                y, spec: spec, m: m, alpha: p.alpha, beta: p.beta, gamma: p.gamma, phi: p.phi,
                level: p.level, trend: p.trend, season: season)
            else { return .infinity }
            return criterion(out, n: y.count, sseFloor: sseFloor)
        }

        /// The fitting objective of one run of the recursion over n observations (see ``objective(_:y:sseFloor:season:)``).
        func criterion(_ out: ETSKernel.Output, n: Int, sseFloor: Double) -> Double {
            let nd = Double(n)
            var f = log(max(out.sse, sseFloor) / nd)
            if spec.error == .multiplicative { f += 2 * out.sumLogAbsFitted / nd }
            return f
        }

        func encode(alpha: Double, betaStar: Double, gammaStar: Double, phi: Double, start: ETSInitialization.Start) -> [Double] {
            var x = [unsquash(alpha, smoothingLower, smoothingUpper)]
            if spec.hasTrend { x.append(unsquash(betaStar, smoothingLower, smoothingUpper)) }
            if spec.hasSeason { x.append(unsquash(gammaStar, smoothingLower, smoothingUpper)) }
            if spec.isDamped { x.append(unsquash(phi, phiLower, phiUpper)) }
            x.append(start.level / scale)
            if spec.hasTrend { x.append(start.trend / scale) }
            if spec.hasSeason {
                for k in 1..<m { x.append(spec.season == .multiplicative ? start.seasonal[k] : start.seasonal[k] / scale) }
            }
            return x
        }
    }

    /// Maximum likelihood for one form with seasonal period `m` (1 when non-seasonal). Nil when no
    /// starting point gives a finite likelihood. `starts` (1 or 2) is the number of starting points tried.
    static func estimate(_ y: [Double], spec: ETSSpec, m: Int, notes: [String], starts: Int = 2) -> ETSFit? {
        let n = y.count
        let meanAbs = y.reduce(0) { $0 + abs($1) } / Double(n)
        let layout = Layout(spec: spec, m: max(m, 1), scale: meanAbs > 0 ? meanAbs : 1)
        let start = ETSInitialization.start(y, spec: spec, m: m)
        let sseFloor = layout.sseFloor(n: n)
        let season = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(m, 1))
        defer { season.deallocate() }
        season.initialize(repeating: 0)

        let best: Optimize.Result? = y.withUnsafeBufferPointer { yb in
            func objective(_ x: [Double]) -> Double {
                layout.objective(x, y: yb, sseFloor: sseFloor, season: season)
            }
            let work = ETSGradient.Workspace(n: n, m: layout.m)
            func gradient(_ x: [Double]) -> [Double] {
                layout.gradient(x, y: yb, sseFloor: sseFloor, season: season, work: work)
                    ?? Optimize.numericGradient(objective, at: x)
            }
            var best: Optimize.Result?
            for (alpha, betaStar, gammaStar) in [(0.1, 0.1, 0.05), (0.5, 0.2, 0.2)].prefix(starts) {
                let x0 = layout.encode(alpha: alpha, betaStar: betaStar, gammaStar: gammaStar, phi: 0.97, start: start)
                guard objective(x0).isFinite else { continue }
                var r = Optimize.bfgs(objective, gradient: gradient, start: x0, maxIterations: 500, gradientTolerance: 1e-7, relativeTolerance: 1e-12)
                // BFGS stalls on the flat ridges of this likelihood; a restart with a fresh Hessian moves on.
                for _ in 0..<3 where r.value.isFinite {
                    let again = Optimize.bfgs(objective, gradient: gradient, start: r.x, maxIterations: 500, gradientTolerance: 1e-7, relativeTolerance: 1e-12)
                    let gain = r.value - again.value
                    if gain > 0 { r = again }
                    if gain < 1e-9 { break }
                }
                if r.value.isFinite && (best == nil || r.value < best!.value) { best = r }
            }
            return best
        }
        guard let best else { return nil }
        return ETSFit.make(y, spec: spec, period: layout.m, layout: layout, x: best.x, notes: notes)
    }
}
