#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact Gaussian likelihood of a stationary ARMA process by the Kalman filter, in Harvey's
/// state-space form with unit innovation variance (the variance is concentrated out):
///
///     w_t = Z α_t,   α_{t+1} = T α_t + R ε_{t+1},   Z = e₁',  T = [φ | I; 0],  R = (1, θ₁, …, θ_{r-1})'
///
/// with r = max(p*, q* + 1) for the expanded (seasonal × non-seasonal) polynomials and the initial
/// state covariance solving the discrete Lyapunov equation P = T P T' + R R'.
///
/// Several data columns (the series and the regressors) go through the same filter: gains and
/// innovation variances do not depend on the data, so the regression coefficients are
/// concentrated out by GLS on the innovations (exact profile likelihood).
struct ARMAKalman {
    let r: Int
    /// φ padded to length r.
    let phi: [Double]
    /// (1, θ₁, …) padded to length r.
    let rvec: [Double]

    init(ar: [Double], ma: [Double]) {
        let r = max(ar.count, ma.count + 1)
        self.r = r
        var phi = [Double](repeating: 0, count: r)
        for (i, v) in ar.enumerated() { phi[i] = v }
        var rvec = [Double](repeating: 0, count: r)
        rvec[0] = 1
        for (i, v) in ma.enumerated() { rvec[i + 1] = v }
        self.phi = phi
        self.rvec = rvec
    }

    /// Solution of P = T P T' + R R' (row-major r×r) by the doubling algorithm
    /// P ← P + A P A', A ← A²; nil when it does not converge (non-stationary φ).
    func stationaryCovariance() -> [Double]? {
        let r = self.r
        var p = [Double](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0..<r { p[i * r + j] = rvec[i] * rvec[j] } }
        if r == 1 {
            let f = 1 - phi[0] * phi[0]
            return f > 0 ? [1 / f] : nil
        }
        var a = [Double](repeating: 0, count: r * r)
        for i in 0..<r {
            a[i * r] = phi[i]
            if i + 1 < r { a[i * r + i + 1] = 1 }
        }
        var tmp = [Double](repeating: 0, count: r * r)
        var tmp2 = [Double](repeating: 0, count: r * r)
        for _ in 0..<80 {
            var maxA = 0.0
            for v in a { maxA = max(maxA, abs(v)) }
            if maxA < 1e-18 { return p }
            if !maxA.isFinite || maxA > 1e150 { return nil }
            // tmp = A P
            multiply(a, p, into: &tmp, r)
            // tmp2 = tmp A'
            multiplyTransposed(tmp, a, into: &tmp2, r)
            var maxAdd = 0.0, maxP = 0.0
            for k in 0..<(r * r) {
                p[k] += tmp2[k]
                maxAdd = max(maxAdd, abs(tmp2[k]))
                maxP = max(maxP, abs(p[k]))
            }
            multiply(a, a, into: &tmp, r)
            swap(&a, &tmp)
            if maxAdd <= 1e-16 * maxP {
                // one more squaring cannot change P materially; check A really decays
                var m = 0.0
                for v in a { m = max(m, abs(v)) }
                if m < 1 { return p }
            }
        }
        return nil
    }

    private func multiply(_ x: [Double], _ y: [Double], into out: inout [Double], _ n: Int) {
        for i in 0..<(n * n) { out[i] = 0 }
        for i in 0..<n {
            for k in 0..<n {
                let xik = x[i * n + k]
                if xik == 0 { continue }
                for j in 0..<n { out[i * n + j] += xik * y[k * n + j] }
            }
        }
    }

    private func multiplyTransposed(_ x: [Double], _ y: [Double], into out: inout [Double], _ n: Int) {
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<n { s += x[i * n + k] * y[j * n + k] }
                out[i * n + j] = s
            }
        }
    }

    struct Result {
        /// Σ log f_t (innovation variances in units of σ²).
        var sumLogF: Double
        /// Σ v_t v_t' / f_t over the data columns, row-major c×c.
        var cross: [Double]
        /// Predicted state a_{n+1|n} per column, column-major r×c.
        var state: [Double]
        /// Predicted state covariance P_{n+1|n} (units of σ²), row-major r×r.
        var covariance: [Double]
        var observations: Int
    }

    /// Runs the filter over `columns` data columns stored column-major in `data` (n per column).
    func filter(_ data: [Double], n: Int, columns c: Int) -> Result? {
        guard n > 0, var pm = stationaryCovariance() else { return nil }
        let r = self.r
        var state = [Double](repeating: 0, count: r * c)
        var cross = [Double](repeating: 0, count: c * c)
        var gain = [Double](repeating: 0, count: r)
        var v = [Double](repeating: 0, count: c)
        var sumLogF = 0.0
        var steady = false
        let ok: Bool = data.withUnsafeBufferPointer { y in
            phi.withUnsafeBufferPointer { phi in
                rvec.withUnsafeBufferPointer { rv in
                    pm.withUnsafeMutableBufferPointer { pp in
                        state.withUnsafeMutableBufferPointer { a in
                            cross.withUnsafeMutableBufferPointer { mm in
                                gain.withUnsafeMutableBufferPointer { g in
                                    v.withUnsafeMutableBufferPointer { v in
                                        for t in 0..<n {
                                            let f = steady ? 1.0 : pp[0]
                                            guard f > 0, f.isFinite else { return false }
                                            sumLogF += steady ? 0 : log(f)
                                            let invF = 1 / f
                                            if steady {
                                                for i in 0..<r { g[i] = rv[i] }
                                            } else {
                                                for i in 0..<r { g[i] = pp[i * r] * invF }
                                            }
                                            for col in 0..<c {
                                                let base = col * r
                                                let yt = y[col * n + t]
                                                let vt = yt - a[base]
                                                v[col] = vt
                                                // a_{t+1}[i] = φ_i y_t + a[i+1] + g[i+1] v
                                                for i in 0..<(r - 1) {
                                                    a[base + i] = phi[i] * yt + a[base + i + 1] + g[i + 1] * vt
                                                }
                                                a[base + r - 1] = phi[r - 1] * yt
                                            }
                                            for c1 in 0..<c {
                                                let s = v[c1] * invF
                                                for c2 in c1..<c { mm[c1 * c + c2] += s * v[c2] }
                                            }
                                            if !steady {
                                                // P_{t+1}[i][j] = P[i+1][j+1] - P[i+1][0] P[j+1][0] / f + R_i R_j
                                                // (the updated first state is known exactly); g holds P[:,0]/f.
                                                var dev = 0.0
                                                for i in 0..<r {
                                                    let gi = i + 1 < r ? pp[(i + 1) * r] : 0
                                                    let ri = rv[i]
                                                    for j in i..<r {
                                                        var value = ri * rv[j]
                                                        if i + 1 < r && j + 1 < r {
                                                            value += pp[(i + 1) * r + j + 1] - gi * g[j + 1]
                                                        }
                                                        dev = max(dev, abs(value - ri * rv[j]))
                                                        pp[i * r + j] = value
                                                    }
                                                }
                                                for i in 0..<r { for j in 0..<i { pp[i * r + j] = pp[j * r + i] } }
                                                if dev < 1e-13 { steady = true }
                                            }
                                        }
                                        return true
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard ok else { return nil }
        if steady {
            for i in 0..<r { for j in 0..<r { pm[i * r + j] = rvec[i] * rvec[j] } }
        }
        for c1 in 0..<c { for c2 in 0..<c1 { cross[c1 * c + c2] = cross[c2 * c + c1] } }
        return Result(sumLogF: sumLogF, cross: cross, state: state, covariance: pm, observations: n)
    }
}
