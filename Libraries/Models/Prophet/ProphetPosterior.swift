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
/// √(δ² + ε²) − ε (pseudo-Huber, ε = 1e-3 on the scaled rates), which differs from |δ| by less than ε;
/// rate changes that the exact prior sets to 0 stay below about ε in size.
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
    var epsilon = 1e-3

    /// Builds ZᵀZ, Zᵀy and yᵀy for Z = [t, 1, (t − t_j)₊, X] without forming Z: every trend column is
    /// a·t + b on a suffix of the (increasing) rows, so its products come from suffix sums of 1, t, t², y,
    /// t·y and, per feature, x and t·x at the changepoint rows. Only the feature block costs n F²/2.
    /// - Parameters: `x` is row-major n × f; `changepointsT` increasing.
    init(t: [Double], y: [Double], changepointsT: [Double], x: [Double], featureCount f: Int,
         precision: [Double], tau: Double) {
        let n = t.count, s = changepointsT.count
        let p = 2 + s + f
        self.n = n
        self.p = p
        self.precision = precision
        self.deltaRange = 2..<(2 + s)
        self.tau = tau
        // Trend columns c: value a_c·t + b_c on rows start_c..<n.
        var a = [Double](repeating: 1, count: s + 2), b = [Double](repeating: 0, count: s + 2)
        var first = [Int](repeating: 0, count: s + 2)
        a[1] = 0
        b[1] = 1
        var r0 = 0
        for j in 0..<s {
            while r0 < n && t[r0] < changepointsT[j] { r0 += 1 }
            b[2 + j] = -changepointsT[j]
            first[2 + j] = r0
        }
        // Suffix sums of 1, t, t², y, t·y (index n holds 0), and of x, t·x at each column's first row.
        var s1 = [Double](repeating: 0, count: n + 1), s2 = s1, sy = s1, sty = s1
        var yy = 0.0
        for r in stride(from: n - 1, through: 0, by: -1) {
            s1[r] = s1[r + 1] + t[r]
            s2[r] = s2[r + 1] + t[r] * t[r]
            sy[r] = sy[r + 1] + y[r]
            sty[r] = sty[r + 1] + t[r] * y[r]
            yy += y[r] * y[r]
        }
        let trendCount = s + 2
        var sx = [Double](repeating: 0, count: trendCount * f), stx = sx
        var g = [Double](repeating: 0, count: p * p)
        var zy = [Double](repeating: 0, count: p)
        x.withUnsafeBufferPointer { x in
            sx.withUnsafeMutableBufferPointer { sx in
                stx.withUnsafeMutableBufferPointer { stx in
                    g.withUnsafeMutableBufferPointer { g in
                        var accX = [Double](repeating: 0, count: f), accTX = accX
                        var c = trendCount - 1
                        while c >= 0 && first[c] >= n { c -= 1 }  // empty columns: sums stay 0
                        for r in stride(from: n - 1, through: 0, by: -1) {
                            let row = r * f, tr = t[r], yr = y[r]
                            for i in 0..<f {
                                let xi = x[row + i]
                                if xi == 0 { continue }
                                accX[i] += xi
                                accTX[i] += tr * xi
                                zy[2 + s + i] += xi * yr
                                let gi = (2 + s + i) * p + 2 + s
                                for j in i..<f { g[gi + j] += xi * x[row + j] }
                            }
                            while c >= 0 && first[c] == r {
                                for i in 0..<f { sx[c * f + i] = accX[i]; stx[c * f + i] = accTX[i] }
                                c -= 1
                            }
                        }
                    }
                }
            }
        }
        for ci in 0..<trendCount {
            for cj in ci..<trendCount {
                let r = max(first[ci], first[cj])
                let count = Double(n - r)
                g[ci * p + cj] = a[ci] * a[cj] * s2[r] + (a[ci] * b[cj] + b[ci] * a[cj]) * s1[r] + b[ci] * b[cj] * count
            }
            let r = first[ci]
            zy[ci] = a[ci] * sty[r] + b[ci] * sy[r]
            for i in 0..<f {
                g[ci * p + 2 + s + i] = a[ci] * stx[ci * f + i] + b[ci] * sx[ci * f + i]
            }
        }
        for i in 0..<p { for j in 0..<i { g[i * p + j] = g[j * p + i] } }
        gram = g
        zty = zy
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
    /// points, everything else 0).
    ///
    /// 1. A few majorise–minimise steps: with σ fixed and each √(δ²+ε²) bounded above by its tangent
    ///    quadratic at the current δ, the minimiser solves one linear system (Cholesky); σ is then
    ///    re-profiled. Every step lowers the objective. The first step uses a normal prior of the same
    ///    variance as the Laplace (a ridge fit).
    /// 2. L-BFGS on the exact (smoothed) objective, preconditioned by the last system's Cholesky factor
    ///    L (φ = Lᵀθ), i.e. by the curvature of the current majoriser, so few iterations are needed.
    func maximise(kInit: Double, mInit: Double, majoriseSteps: Int = 6) -> (theta: [Double], iterations: Int) {
        var theta = [Double](repeating: 0, count: p)
        theta[0] = kInit
        theta[1] = mInit
        var work = [Double](repeating: 0, count: p)
        func profiledSigmaSquared(_ theta: [Double]) -> Double {
            theta.withUnsafeBufferPointer { th in
                work.withUnsafeMutableBufferPointer { Self.sigmaSquared(rss: rss(th, $0), n: n) }
            }
        }
        var s = profiledSigmaSquared(theta)
        var lower = [Double](repeating: 0, count: p * p)
        var weights = [Double](repeating: 1 / (2 * tau * tau), count: p)
        var h = gram
        var rhs = zty
        for _ in 0..<max(majoriseSteps, 1) {
            let invS = 1 / s
            for i in 0..<(p * p) { h[i] = gram[i] * invS }
            for i in 0..<p {
                h[i * p + i] += deltaRange.contains(i) ? weights[i] : precision[i]
                h[i * p + i] *= 1 + 1e-12
                rhs[i] = zty[i] * invS
            }
            guard let l = Self.cholesky(h, p) else { break }
            lower = l
            theta = Self.solveUpperTransposed(lower, p, Self.solveLower(lower, p, rhs))
            s = profiledSigmaSquared(theta)
            for j in deltaRange { weights[j] = 1 / (tau * (theta[j] * theta[j] + epsilon * epsilon).squareRoot()) }
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
        let result = ProphetLBFGS.minimize(start: phi, relativeTolerance: 1e-12, gradientTolerance: 1e-4) { phi, g in
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
