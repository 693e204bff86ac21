#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the states before the first observation of an ETS form are obtained.
public enum ETSInitialStates: String, Sendable, Codable, CaseIterable {
    /// Parameters of the likelihood, estimated with the smoothing parameters (R's `ets`, statsmodels'
    /// `ETSModel`, statsforecast's `AutoETS`).
    case optimized
    /// Backcast from the data (Box & Jenkins' backforecasting, the default of Svetunkov's `smooth` for ETS):
    /// for given smoothing parameters the recursion runs forward over the series from the heuristic start,
    /// then backward over the reversed series, and the backward pass's last state, carried one step further
    /// back, is the initial state. Only the smoothing parameters are estimated, so the states are not counted
    /// in the information criteria. Non-seasonal forms only: a seasonal form keeps its estimated states.
    case backcast
}

extension HoltWinters {
    /// The backcast initial level and trend of a non-seasonal form with smoothing parameters
    /// (`alpha`, `beta`, `phi`); `reversed` is `y` backwards. Nil where the recursion leaves the form's domain.
    ///
    /// Running backwards, the trend changes sign: the state entering the reversed series (before y_n) is
    /// (l_n + phi b_n, -b_n), and the state after its last value y_1, (l', b'), gives l_0 = l' + phi b',
    /// b_0 = -b'.
    static func backcastStates(
        _ y: UnsafeBufferPointer<Double>, reversed: UnsafeBufferPointer<Double>, spec: ETSSpec,
        alpha: Double, beta: Double, phi: Double, start: ETSInitialization.Start, noSeason: UnsafeMutableBufferPointer<Double>
    ) -> (level: Double, trend: Double)? {
        let phiEff = spec.hasTrend ? phi : 0
        guard let forward = ETSKernel.run(
            y, spec: spec, m: 1, alpha: alpha, beta: beta, gamma: 0, phi: phi,
            level: start.level, trend: start.trend, season: noSeason)
        else { return nil }
        guard let backward = ETSKernel.run(
            reversed, spec: spec, m: 1, alpha: alpha, beta: beta, gamma: 0, phi: phi,
            level: forward.finalLevel + phiEff * forward.finalTrend, trend: -forward.finalTrend, season: noSeason)
        else { return nil }
        return (backward.finalLevel + phiEff * backward.finalTrend, spec.hasTrend ? -backward.finalTrend : 0)
    }

    /// Maximum likelihood for a non-seasonal form with backcast initial states (``ETSInitialStates/backcast``):
    /// BFGS over the smoothing parameters only (central-difference gradient: one to three coordinates), from
    /// three starting points, the best likelihood kept. Nil for a seasonal form or when no start gives a
    /// finite likelihood.
    static func estimateBackcast(_ y: [Double], spec: ETSSpec, notes: [String]) -> ETSFit? {
        guard !spec.hasSeason, !y.isEmpty else { return nil }
        let n = y.count
        let meanAbs = y.reduce(0) { $0 + abs($1) } / Double(n)
        let layout = Layout(spec: spec, m: 1, scale: meanAbs > 0 ? meanAbs : 1)
        let start = ETSInitialization.start(y, spec: spec, m: 1)
        let sseFloor = layout.sseFloor(n: n)
        let reversed = Array(y.reversed())
        let noSeason = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1)
        defer { noSeason.deallocate() }
        noSeason.initialize(repeating: 0)

        func smoothing(_ x: [Double]) -> (alpha: Double, beta: Double, phi: Double) {
            let alpha = squash(x[0], smoothingLower, smoothingUpper)
            var i = 1, beta = 0.0, phi = 1.0
            if spec.hasTrend { beta = alpha * squash(x[i], smoothingLower, smoothingUpper); i += 1 }
            if spec.isDamped { phi = squash(x[i], phiLower, phiUpper) }
            return (alpha, beta, phi)
        }
        let found: (x: [Double], level: Double, trend: Double)? = y.withUnsafeBufferPointer { yb in
            reversed.withUnsafeBufferPointer { rb in
                func states(_ x: [Double]) -> (level: Double, trend: Double)? {
                    let p = smoothing(x)
                    return backcastStates(yb, reversed: rb, spec: spec, alpha: p.alpha, beta: p.beta, phi: p.phi, start: start, noSeason: noSeason)
                }
                // The objective of ``Layout/objective``, from the backcast states.
                func objective(_ x: [Double]) -> Double {
                    let p = smoothing(x)
                    guard let s = states(x),
                          let out = ETSKernel.run(
                            yb, spec: spec, m: 1, alpha: p.alpha, beta: p.beta, gamma: 0, phi: p.phi,
                            level: s.level, trend: s.trend, season: noSeason)
                    else { return .infinity }
                    return layout.criterion(out, n: n, sseFloor: sseFloor)
                }
                var best: Optimize.Result?
                for (alpha, betaStar) in [(0.1, 0.1), (0.5, 0.2), (0.8, 0.8)] {
                    var x0 = [unsquash(alpha, smoothingLower, smoothingUpper)]
                    if spec.hasTrend { x0.append(unsquash(betaStar, smoothingLower, smoothingUpper)) }
                    if spec.isDamped { x0.append(unsquash(0.97, phiLower, phiUpper)) }
                    guard objective(x0).isFinite else { continue }
                    let r = Optimize.bfgs(objective, start: x0, maxIterations: 300, gradientTolerance: 1e-7, relativeTolerance: 1e-12)
                    if r.value.isFinite && (best == nil || r.value < best!.value) { best = r }
                }
                guard let best, let s = states(best.x) else { return nil }
                return (best.x, s.level, s.trend)
            }
        }
        guard let found else { return nil }
        // The full vector of ``Layout`` (smoothing parameters, then the states), so ETSFit.make reruns the recursion.
        var x = found.x
        x.append(found.level / layout.scale)
        if spec.hasTrend { x.append(found.trend / layout.scale) }
        return ETSFit.make(y, spec: spec, period: 1, layout: layout, x: x, notes: notes + ["initial states by backcasting"], initialStates: .backcast)
    }
}
