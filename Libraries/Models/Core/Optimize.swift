/// Unconstrained minimisers. Models map constrained parameters to unconstrained ones themselves.
public enum Optimize {
    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
        public var evaluations: Int
        public var converged: Bool
        /// True when the search stopped because its time budget ran out (`x` is then not a minimum).
        public var interrupted = false
    }

    /// Central-difference gradient.
    public static func numericGradient(_ f: ([Double]) -> Double, at x: [Double], fx: Double? = nil) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        var xp = x
        for i in x.indices {
            let h = 1e-6 * max(1, abs(x[i]))
            xp[i] = x[i] + h
            let fp = f(xp)
            xp[i] = x[i] - h
            let fm = f(xp)
            xp[i] = x[i]
            g[i] = (fp - fm) / (2 * h)
        }
        return g
    }

    /// BFGS quasi-Newton with an Armijo backtracking line search.
    /// `gradient` defaults to central differences. Non-finite objective values are treated as +∞.
    /// With a `budget`, the search stops before an iteration once the budget is exhausted (`interrupted`).
    public static func bfgs(
        _ f: ([Double]) -> Double,
        gradient: (([Double]) -> [Double])? = nil,
        start: [Double],
        maxIterations: Int = 200,
        gradientTolerance: Double = 1e-6,
        relativeTolerance: Double = 1e-10,
        budget: TimeBudget? = nil
    ) -> Result {
        let n = start.count
        var evals = 0
        func fSafe(_ x: [Double]) -> Double {
            evals += 1
            let v = f(x)
            return v.isFinite ? v : .infinity
        }
        func grad(_ x: [Double]) -> [Double] {
            if let gradient { return gradient(x) }
            return numericGradient(fSafe, at: x)
        }
        var x = start
        var fx = fSafe(x)
        if !fx.isFinite { return Result(x: x, value: fx, iterations: 0, evaluations: evals, converged: false) }
        var g = grad(x)
        var H = identity(n)
        var iter = 0
        var converged = false
        var interrupted = false
        while iter < maxIterations {
            iter += 1
            if norm(g) < gradientTolerance { converged = true; break }
            if let budget, budget.isExhausted { interrupted = true; break }
            var p = matVec(H, g).map { -$0 }
            var slope = dot(p, g)
            if slope >= 0 { H = identity(n); p = g.map { -$0 }; slope = dot(p, g) }
            var step = 1.0
            var xNew = x
            var fNew = Double.infinity
            var accepted = false
            for _ in 0..<40 {
                for i in 0..<n { xNew[i] = x[i] + step * p[i] }
                fNew = fSafe(xNew)
                if fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted {
                if H != identity(n) { H = identity(n); continue }
                converged = true
                break
            }
            let gNew = grad(xNew)
            let s = (0..<n).map { xNew[$0] - x[$0] }
            let y = (0..<n).map { gNew[$0] - g[$0] }
            let sy = dot(s, y)
            let improvement = fx - fNew
            x = xNew
            g = gNew
            let fOld = fx
            fx = fNew
            if sy > 1e-12 {
                let Hy = matVec(H, y)
                let yHy = dot(y, Hy)
                let rho = 1 / sy
                for i in 0..<n {
                    for j in 0..<n {
                        H[i][j] += (1 + yHy * rho) * rho * s[i] * s[j] - rho * (Hy[i] * s[j] + s[i] * Hy[j])
                    }
                }
            }
            if improvement >= 0 && improvement <= relativeTolerance * (abs(fOld) + 1e-10) { converged = true; break }
        }
        return Result(x: x, value: fx, iterations: iter, evaluations: evals, converged: converged, interrupted: interrupted)
    }

    /// Nelder–Mead simplex search (derivative-free), used where the objective is not smooth.
    public static func nelderMead(
        _ f: ([Double]) -> Double,
        start: [Double],
        initialStep: Double = 0.1,
        maxEvaluations: Int = 2000,
        tolerance: Double = 1e-8
    ) -> Result {
        let n = start.count
        var evals = 0
        func fSafe(_ x: [Double]) -> Double {
            evals += 1
            let v = f(x)
            return v.isFinite ? v : .infinity
        }
        var simplex = [start]
        for i in 0..<n {
            var p = start
            p[i] += p[i] == 0 ? initialStep : initialStep * max(1, abs(p[i]))
            simplex.append(p)
        }
        var values = simplex.map(fSafe)
        var iter = 0
        while evals < maxEvaluations {
            iter += 1
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= tolerance * (abs(values[0]) + tolerance) { break }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for i in 0..<n { centroid[i] += p[i] / Double(n) } }
            let worst = simplex[n]
            let reflected = (0..<n).map { centroid[$0] + (centroid[$0] - worst[$0]) }
            let fr = fSafe(reflected)
            if fr < values[0] {
                let expanded = (0..<n).map { centroid[$0] + 2 * (centroid[$0] - worst[$0]) }
                let fe = fSafe(expanded)
                if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = reflected; values[n] = fr
            } else {
                let outside = fr < values[n]
                let target = outside ? reflected : worst
                var contracted = centroid
                for i in 0..<n { contracted[i] += 0.5 * (target[i] - centroid[i]) }
                let fc = fSafe(contracted)
                if fc < (outside ? fr : values[n]) {
                    simplex[n] = contracted; values[n] = fc
                } else {
                    for k in 1...n {
                        for i in 0..<n { simplex[k][i] = simplex[0][i] + 0.5 * (simplex[k][i] - simplex[0][i]) }
                        values[k] = fSafe(simplex[k])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return Result(x: simplex[best], value: values[best], iterations: iter, evaluations: evals, converged: evals < maxEvaluations)
    }

    static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    }
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
    static func matVec(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { dot($0, v) } }
}
