/// Limited-memory BFGS (two-loop recursion, Armijo backtracking), the quasi-Newton method Stan uses
/// by default for Prophet's MAP fit. Flat arrays, no allocation inside the loop.
enum ProphetLBFGS {
    struct Result: Sendable {
        var x: [Double]
        var value: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
    }

    /// Minimises `f`, which returns the value at `x` and writes the gradient into `g`.
    /// Stops when the relative decrease of one step falls below `relativeTolerance` (Stan's tol_rel_obj
    /// is 1e4 machine epsilons), the largest gradient entry below `gradientTolerance`, or after `maxIterations`.
    static func minimize(
        start: [Double],
        memory: Int = 8,
        maxIterations: Int = 2000,
        relativeTolerance: Double = 1e-13,
        gradientTolerance: Double = 1e-9,
        _ f: (_ x: [Double], _ g: inout [Double]) -> Double
    ) -> Result {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        var evaluations = 1
        guard fx.isFinite, n > 0 else {
            return Result(x: x, value: fx, iterations: 0, evaluations: evaluations, converged: n == 0)
        }
        var sMem = [Double](repeating: 0, count: memory * n)
        var yMem = [Double](repeating: 0, count: memory * n)
        var rho = [Double](repeating: 0, count: memory)
        var alpha = [Double](repeating: 0, count: memory)
        var stored = 0, newest = -1
        var d = [Double](repeating: 0, count: n)
        var xNew = x, gNew = g
        var iteration = 0
        var converged = false
        var gamma = 1.0

        while iteration < maxIterations {
            iteration += 1
            var gMax = 0.0
            for i in 0..<n { gMax = max(gMax, abs(g[i])) }
            if gMax < gradientTolerance { converged = true; break }

            // Two-loop recursion: d = -H g.
            for i in 0..<n { d[i] = -g[i] }
            var slot = newest
            for _ in 0..<stored {
                var a = 0.0
                for i in 0..<n { a += sMem[slot * n + i] * d[i] }
                a *= rho[slot]
                alpha[slot] = a
                for i in 0..<n { d[i] -= a * yMem[slot * n + i] }
                slot = (slot - 1 + memory) % memory
            }
            for i in 0..<n { d[i] *= gamma }
            slot = (newest - stored + 1 + memory) % memory
            for _ in 0..<stored {
                var b = 0.0
                for i in 0..<n { b += yMem[slot * n + i] * d[i] }
                b *= rho[slot]
                let a = alpha[slot]
                for i in 0..<n { d[i] += (a - b) * sMem[slot * n + i] }
                slot = (slot + 1) % memory
            }
            var slope = 0.0
            for i in 0..<n { slope += g[i] * d[i] }
            if !(slope < 0) {
                stored = 0
                gamma = 1
                slope = 0
                for i in 0..<n { d[i] = -g[i]; slope -= g[i] * g[i] }
            }

            // Backtracking line search (Armijo), quadratic interpolation of the step.
            var step = 1.0
            var fNew = Double.infinity
            var accepted = false
            for _ in 0..<60 {
                for i in 0..<n { xNew[i] = x[i] + step * d[i] }
                fNew = f(xNew, &gNew)
                evaluations += 1
                if fNew.isFinite && fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                var next = 0.5 * step
                if fNew.isFinite {
                    let q = -slope * step * step / (2 * (fNew - fx - slope * step))
                    if q.isFinite { next = min(max(q, 0.1 * step), 0.5 * step) }
                }
                step = next
            }
            if !accepted {
                if stored > 0 { stored = 0; gamma = 1; continue }
                converged = true  // no descent possible from here: a (numerical) minimum
                break
            }
            // Curvature pair.
            let pos = (newest + 1) % memory
            var sy = 0.0, yy = 0.0
            for i in 0..<n {
                let s = xNew[i] - x[i], y = gNew[i] - g[i]
                sMem[pos * n + i] = s
                yMem[pos * n + i] = y
                sy += s * y
                yy += y * y
            }
            if sy > 1e-14 * yy && yy > 0 {
                rho[pos] = 1 / sy
                newest = pos
                stored = min(stored + 1, memory)
                gamma = sy / yy
            }
            let decrease = fx - fNew
            swap(&x, &xNew)
            swap(&g, &gNew)
            fx = fNew
            if decrease <= relativeTolerance * max(abs(fx), 1) { converged = true; break }
        }
        return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, converged: converged)
    }
}
