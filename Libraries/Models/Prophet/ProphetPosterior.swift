#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prophet's Stan model (linear growth, additive components) as a function of the coefficients
/// θ = (k, m, δ₁…δ_S, β₁…β_F) on the scaled data:
///
///     y ~ Normal(Z θ, σ),   Z = [t, 1, (t − t_j)₊ …, X]
///     k, m ~ Normal(0, 5),  δ_j ~ Laplace(0, τ),  β_i ~ Normal(0, s_i),  σ ~ Normal⁺(0, 0.5)
///
/// The fitted values are linear in θ, so the data enter only through Zᵀ Z, Zᵀ y and yᵀ y, computed
/// once; every evaluation afterwards costs O(p²) instead of O(n p).
/// σ is profiled out exactly: for a residual sum of squares R the posterior mode in σ solves
/// 4σ⁴ + nσ² − R = 0. The Laplace prior |δ| is replaced by the smooth approximation
/// √(δ² + ε²) − ε (pseudo-Huber, ε = 1e-4 on the scaled rates), which differs from |δ| by less than ε.
struct ProphetPosterior {
    let n: Int
    let p: Int
    let gram: [Double]
    let zty: [Double]
    let yty: Double
    /// Normal prior precision of each coefficient (0 for the rate changes, which have the Laplace prior).
    let precision: [Double]
    let deltaRange: Range<Int>
    let tau: Double
    var epsilon = 1e-4

    init(design z: [Double], rows n: Int, columns p: Int, y: [Double], precision: [Double], deltaRange: Range<Int>, tau: Double) {
        self.n = n
        self.p = p
        self.precision = precision
        self.deltaRange = deltaRange
        self.tau = tau
        var g = [Double](repeating: 0, count: p * p)
        var b = [Double](repeating: 0, count: p)
        var yy = 0.0
        z.withUnsafeBufferPointer { z in
            g.withUnsafeMutableBufferPointer { g in
                b.withUnsafeMutableBufferPointer { b in
                    for r in 0..<n {
                        let row = r * p
                        let yr = y[r]
                        yy += yr * yr
                        for i in 0..<p {
                            let zi = z[row + i]
                            if zi == 0 { continue }
                            b[i] += zi * yr
                            let gi = i * p
                            for j in i..<p { g[gi + j] += zi * z[row + j] }
                        }
                    }
                    for i in 0..<p { for j in 0..<i { g[i * p + j] = g[j * p + i] } }
                }
            }
        }
        gram = g
        zty = b
        yty = yy
    }

    /// Residual sum of squares yᵀy − 2θᵀZᵀy + θᵀZᵀZθ; writes ZᵀZθ into `gTheta`.
    func rss(_ theta: UnsafeBufferPointer<Double>, _ gTheta: UnsafeMutableBufferPointer<Double>) -> Double {
        var quad = 0.0, lin = 0.0
        gram.withUnsafeBufferPointer { g in
            for i in 0..<p {
                var s = 0.0
                let gi = i * p
                for j in 0..<p { s += g[gi + j] * theta[j] }
                gTheta[i] = s
                quad += s * theta[i]
                lin += zty[i] * theta[i]
            }
        }
        return max(yty - 2 * lin + quad, 0)
    }

    /// The σ² that maximises the posterior for a residual sum of squares `rss`.
    static func sigmaSquared(rss: Double, n: Int) -> Double {
        let nd = Double(n)
        let s = 2 * rss / (nd + (nd * nd + 16 * rss).squareRoot())
        return max(s, 1e-300)
    }

    /// Negative log posterior (constants dropped) and its gradient in θ.
    func value(_ theta: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        let r = rss(theta, gradient)
        let s = Self.sigmaSquared(rss: r, n: n)
        var f = 0.5 * Double(n) * log(s) + r / (2 * s) + 2 * s
        let invS = 1 / s
        for i in 0..<p {
            let prec = precision[i], th = theta[i]
            gradient[i] = (gradient[i] - zty[i]) * invS + prec * th
            f += 0.5 * prec * th * th
        }
        let e2 = epsilon * epsilon, invTau = 1 / tau
        for j in deltaRange {
            let d = theta[j]
            let root = (d * d + e2).squareRoot()
            f += (root - epsilon) * invTau
            gradient[j] += d / root * invTau
        }
        return f
    }

    /// The MAP coefficients, starting from Prophet's initial values (k, m through the first and last
    /// points, everything else 0). A ridge solution (the Laplace prior replaced by a normal of the same
    /// variance) gives the start and the Cholesky preconditioner L Lᵀ ≈ Hessian; L-BFGS then runs in
    /// φ = Lᵀ θ, where the problem is close to isotropic.
    func maximise(kInit: Double, mInit: Double) -> (theta: [Double], iterations: Int) {
        var theta = [Double](repeating: 0, count: p)
        theta[0] = kInit
        theta[1] = mInit
        var work = [Double](repeating: 0, count: p)
        var s = theta.withUnsafeBufferPointer { th in
            work.withUnsafeMutableBufferPointer { Self.sigmaSquared(rss: rss(th, $0), n: n) }
        }
        var lower = [Double](repeating: 0, count: p * p)
        let ridgeDelta = 1 / (2 * tau * tau)
        for _ in 0..<2 {
            var h = gram
            for i in 0..<p {
                for j in 0..<p { h[i * p + j] /= s }
                h[i * p + i] += deltaRange.contains(i) ? ridgeDelta : precision[i]
                h[i * p + i] *= 1 + 1e-12
            }
            guard let l = Self.cholesky(h, p) else { break }
            lower = l
            let rhs = zty.map { $0 / s }
            theta = Self.solveLower(lower, p, rhs)
            theta = Self.solveUpperTransposed(lower, p, theta)
            s = theta.withUnsafeBufferPointer { th in
                work.withUnsafeMutableBufferPointer { Self.sigmaSquared(rss: rss(th, $0), n: n) }
            }
        }
        if lower[0] == 0 { for i in 0..<p { lower[i * p + i] = 1 } }
        // φ = Lᵀ θ
        var phi = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var acc = 0.0
            for j in i..<p { acc += lower[j * p + i] * theta[j] }
            phi[i] = acc
        }
        var upper = [Double](repeating: 0, count: p * p)  // Lᵀ row-major
        for i in 0..<p { for j in 0...i { upper[j * p + i] = lower[i * p + j] } }
        var th = [Double](repeating: 0, count: p)
        var gTheta = [Double](repeating: 0, count: p)
        let result = ProphetLBFGS.minimize(start: phi) { phi, g in
            // θ = L⁻ᵀ φ
            for i in stride(from: p - 1, through: 0, by: -1) {
                var acc = phi[i]
                let row = i * p
                for j in (i + 1)..<max(p, i + 1) { acc -= upper[row + j] * th[j] }
                th[i] = acc / upper[row + i]
            }
            let f = th.withUnsafeBufferPointer { t in
                gTheta.withUnsafeMutableBufferPointer { value(t, gradient: $0) }
            }
            // ∇φ = L⁻¹ ∇θ
            for i in 0..<p {
                var acc = gTheta[i]
                let row = i * p
                for j in 0..<i { acc -= lower[row + j] * g[j] }
                g[i] = acc / lower[row + i]
            }
            return f
        }
        return (Self.solveUpperTransposed(lower, p, result.x), result.iterations)
    }

    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0 else { return nil }
            let ljj = d.squareRoot()
            l[j * n + j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / ljj
            }
        }
        return l
    }

    /// Solves L x = b.
    static func solveLower(_ l: [Double], _ n: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<n {
            var acc = x[i]
            for j in 0..<i { acc -= l[i * n + j] * x[j] }
            x[i] = acc / l[i * n + i]
        }
        return x
    }

    /// Solves Lᵀ x = b.
    static func solveUpperTransposed(_ l: [Double], _ n: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            var acc = x[i]
            for j in (i + 1)..<max(n, i + 1) { acc -= l[j * n + i] * x[j] }
            x[i] = acc / l[i * n + i]
        }
        return x
    }
}
