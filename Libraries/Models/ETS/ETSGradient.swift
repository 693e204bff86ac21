#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gradient of the ETS fitting objective, log(SSE / n) (+ 2 Σ log|yhat| / n for multiplicative errors),
/// with respect to the smoothing parameters and the initial states, by reverse-mode differentiation of the
/// recursion in ``ETSKernel/run``: one forward pass that keeps each step's level, trend and seasonal state,
/// then one backward pass that carries the adjoints of the states from the last step to the first.
///
/// It costs about three passes over the series whatever the number of parameters; central differences
/// cost two passes per parameter (34 for a monthly form with 17).
enum ETSGradient {
    /// Derivatives of the objective in the natural parameters; those with respect to the initial seasonal states
    /// are left in ``Workspace/seasonAdjoint``, in the order of ``ETSKernel/run``'s `season` on entry.
    struct Natural {
        var alpha = 0.0, beta = 0.0, gamma = 0.0, phi = 0.0, level = 0.0, trend = 0.0
    }

    /// Scratch memory for one series and form, reused across calls.
    final class Workspace {
        let levels: UnsafeMutableBufferPointer<Double>
        let trends: UnsafeMutableBufferPointer<Double>
        let seasons: UnsafeMutableBufferPointer<Double>
        let ring: UnsafeMutableBufferPointer<Double>
        let seasonAdjoint: UnsafeMutableBufferPointer<Double>

        init(n: Int, m: Int) {
            levels = .allocate(capacity: max(n, 1))
            trends = .allocate(capacity: max(n, 1))
            seasons = .allocate(capacity: max(n, 1))
            ring = .allocate(capacity: max(m, 1))
            seasonAdjoint = .allocate(capacity: max(m, 1))
        }

        deinit {
            levels.deallocate()
            trends.deallocate()
            seasons.deallocate()
            ring.deallocate()
            seasonAdjoint.deallocate()
        }
    }

    /// Runs the recursion from the given initial state and returns the objective's derivatives, with the
    /// seasonal ones in `work.seasonAdjoint[0..<m]`. Nil where ``ETSKernel/run`` returns nil.
    static func natural(
        _ y: UnsafeBufferPointer<Double>, spec: ETSSpec, m: Int,
        alpha: Double, beta: Double, gamma: Double, phi: Double,
        level l0: Double, trend b0: Double, season: UnsafeBufferPointer<Double>,
        sseFloor: Double, work: Workspace
    ) -> Natural? {
        let n = y.count
        let multError = spec.error == .multiplicative
        let seasonKind = spec.season
        let hasTrend = spec.hasTrend
        let phiEff = hasTrend ? phi : 0
        // Forward: ETSKernel.run on a copy of the initial seasonal states, keeping the states entering each step.
        let ring = work.ring
        if seasonKind != .none { for j in 0..<m { ring[j] = season[j] } }
        guard let out = ETSKernel.run(
            y, spec: spec, m: m, alpha: alpha, beta: beta, gamma: gamma, phi: phi,
            level: l0, trend: b0, season: ring, states: work)
        else { return nil }
        let sse = out.sse

        // Backward. dF/dsse is 0 where the floor holds the sum of squares up.
        let nd = Double(n)
        let cSSE = sse > sseFloor ? 1 / sse : 0
        let cLog = multError ? 2 / nd : 0
        let sBar = work.seasonAdjoint
        for j in 0..<max(m, 1) { sBar[j] = 0 }
        var g = Natural()
        var lBar = 0.0, bBar = 0.0  // adjoints of the level and trend leaving step t
        var t = n - 1
        var k = (n - 1) % max(m, 1)
        while t >= 0 {
            let yt = y[t], lt = work.levels[t], bt = work.trends[t], s = work.seasons[t]
            let phib = phiEff * bt
            let q = lt + phib
            var yhat = q, p = yt
            switch seasonKind {
            case .none: break
            case .additive: yhat = q + s; p = yt - s
            case .multiplicative: yhat = q * s; p = yt / s
            }
            let d = p - q
            var qBar = lBar, dBar = alpha * lBar
            g.alpha += d * lBar
            var phibBar = 0.0
            if hasTrend {
                phibBar += bBar
                dBar += beta * bBar
                g.beta += d * bBar
            }
            var seasonBar = 0.0  // adjoint of s, the seasonal state entering step t
            let newBar = seasonKind == .none ? 0 : sBar[k]
            switch seasonKind {
            case .none: break
            case .additive:
                seasonBar += (1 - gamma) * newBar
                qBar -= gamma * newBar
                g.gamma += (yt - q - s) * newBar
            case .multiplicative:
                seasonBar += (1 - gamma) * newBar
                qBar -= gamma * yt / (q * q) * newBar
                g.gamma += (yt / q - s) * newBar
            }
            // d = p - q
            qBar -= dBar
            switch seasonKind {
            case .none: break
            case .additive: seasonBar -= dBar
            case .multiplicative: seasonBar -= yt / (s * s) * dBar
            }
            // The objective's terms at step t.
            let yhatBar: Double
            if multError {
                let r = (yt - yhat) / yhat
                yhatBar = -2 * r * cSSE * yt / (yhat * yhat) + cLog / yhat
            } else {
                yhatBar = -2 * (yt - yhat) * cSSE
            }
            switch seasonKind {
            case .none: qBar += yhatBar
            case .additive: qBar += yhatBar; seasonBar += yhatBar
            case .multiplicative: qBar += s * yhatBar; seasonBar += q * yhatBar
            }
            // q = l + phi b
            phibBar += qBar
            lBar = qBar
            if hasTrend {
                if spec.isDamped { g.phi += bt * phibBar }
                bBar = phiEff * phibBar
            }
            if seasonKind != .none { sBar[k] = seasonBar }
            t -= 1
            k = k == 0 ? max(m, 1) - 1 : k - 1
        }
        g.level = lBar
        g.trend = hasTrend ? bBar : 0
        return g
    }
}

extension HoltWinters.Layout {
    /// The gradient of the fitting objective at `x`, chained through ``decode(_:season:)``. Nil where the
    /// recursion leaves the form's domain.
    func gradient(
        _ x: [Double], y: UnsafeBufferPointer<Double>, sseFloor: Double,
        season: UnsafeMutableBufferPointer<Double>, work: ETSGradient.Workspace
    ) -> [Double]? {
        let p = decode(x, season: season)
        guard let g = ETSGradient.natural(
            y, spec: spec, m: m, alpha: p.alpha, beta: p.beta, gamma: p.gamma, phi: p.phi,
            level: p.level, trend: p.trend, season: UnsafeBufferPointer(season), sseFloor: sseFloor, work: work)
        else { return nil }
        let lo = HoltWinters.smoothingLower, hi = HoltWinters.smoothingUpper
        // d squash(u) / du = (v - lo)(hi - v) / (hi - lo)
        func slope(_ v: Double, _ lo: Double, _ hi: Double) -> Double { (v - lo) * (hi - v) / (hi - lo) }
        var out = [Double](repeating: 0, count: x.count)
        var i = 0
        let alphaIndex = i; i += 1
        var alphaBar = g.alpha
        if spec.hasTrend {
            let betaStar = p.beta / p.alpha
            alphaBar += g.beta * betaStar
            out[i] = g.beta * p.alpha * slope(betaStar, lo, hi); i += 1
        }
        if spec.hasSeason {
            let gammaStar = p.gamma / (1 - p.alpha)
            alphaBar -= g.gamma * gammaStar
            out[i] = g.gamma * (1 - p.alpha) * slope(gammaStar, lo, hi); i += 1
        }
        out[alphaIndex] = alphaBar * slope(p.alpha, lo, hi)
        if spec.isDamped {
            out[i] = g.phi * slope(p.phi, HoltWinters.phiLower, HoltWinters.phiUpper); i += 1
        }
        out[i] = g.level * scale; i += 1
        if spec.hasTrend { out[i] = g.trend * scale; i += 1 }
        if spec.hasSeason {
            let factor = spec.season == .multiplicative ? 1 : scale
            let first = work.seasonAdjoint[0]
            for k in 1..<m {
                out[i] = (work.seasonAdjoint[k] - first) * factor
                i += 1
            }
        }
        return out
    }
}
