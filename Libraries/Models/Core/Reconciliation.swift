/// How a two-level hierarchy's forecasts — a total (a category) and its parts (its products) — are made to add
/// up: the parts' forecasts sum to the total's, step by step.
public enum Reconciliation: String, Sendable, Codable, CaseIterable {
    /// The parts as forecast; the total is their sum.
    case bottomUp = "bottom_up"
    /// The total as forecast, split by each part's share of recent history.
    case topDown = "top_down"
    /// MinT (Wickramasuriya, Athanasopoulos & Hyndman, 2019) with the shrunk error covariance of Schäfer and
    /// Strimmer (2005): every node's forecast moves, each by as much as its errors are uncertain.
    case mintShrink = "mint_shrink"
}

/// The reconciliation of a total and its parts (hierarchicalforecast's BottomUp, TopDown and MinTrace
/// `mint_shrink`, for two levels).
///
/// The nodes are ordered total first, then the parts: `y = (total, part₁ … partₘ)`. The coherent forecasts are
/// those with `c·y = 0` for `c = (1, −1, …, −1)`. MinT's projection of the base forecasts `ŷ` onto them, in
/// the metric of the error covariance `W`, is `ỹ = ŷ − W c (cᵀ W c)⁻¹ cᵀ ŷ`. With one constraint `cᵀ W c` is a
/// number, so no matrix is inverted: each step costs O(m) once `W c` is known (O(m²)).
public enum HierarchicalReconciler {
    /// The error covariance of the nodes, shrunk towards its diagonal: `W = λ D + (1 − λ) Σ̂`, with the
    /// Schäfer–Strimmer intensity `λ = Σ_{i≠j} Var(r̂ᵢⱼ) / Σ_{i≠j} r̂ᵢⱼ²` (clamped to [0, 1]) computed from the
    /// standardised errors. `errors` holds one sample per row, a value per node; at least two rows.
    public static func shrunkCovariance(_ errors: [[Double]]) -> (covariance: [[Double]], lambda: Double) {
        let n = errors.count
        let k = errors.first?.count ?? 0
        precondition(n >= 2 && errors.allSatisfy { $0.count == k }, "shrunkCovariance needs two or more samples of equal length")
        let nd = Double(n)
        var mean = [Double](repeating: 0, count: k)
        for row in errors { for i in 0..<k { mean[i] += row[i] / nd } }
        var sd = [Double](repeating: 0, count: k)
        for row in errors { for i in 0..<k { sd[i] += (row[i] - mean[i]) * (row[i] - mean[i]) } }
        let variance = sd.map { $0 / (nd - 1) }
        sd = variance.map { $0.squareRoot() }
        // Standardised errors (a node that never erred stays 0: it correlates with nothing).
        let x: [[Double]] = errors.map { row in (0..<k).map { i in sd[i] > 0 ? (row[i] - mean[i]) / sd[i] : 0 } }
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var numerator = 0.0, denominator = 0.0
        for i in 0..<k {
            covariance[i][i] = variance[i]
            for j in (i + 1)..<max(k, i + 1) {
                var wMean = 0.0
                for t in 0..<n { wMean += x[t][i] * x[t][j] }
                wMean /= nd
                var wVar = 0.0
                for t in 0..<n {
                    let d = x[t][i] * x[t][j] - wMean
                    wVar += d * d
                }
                let r = nd / (nd - 1) * wMean
                numerator += 2 * nd / ((nd - 1) * (nd - 1) * (nd - 1)) * wVar
                denominator += 2 * r * r
                covariance[i][j] = r * sd[i] * sd[j]
                covariance[j][i] = covariance[i][j]
            }
        }
        let lambda = denominator > 0 ? min(1, max(0, numerator / denominator)) : 1
        for i in 0..<k {
            for j in 0..<k where i != j { covariance[i][j] *= (1 - lambda) }
        }
        return (covariance, lambda)
    }

    /// MinT: the parts' reconciled forecasts (the total is their sum) from the base forecasts of the total and
    /// of each part, per step, under the error covariance `covariance` (nodes ordered total first).
    ///
    /// A part that would come out negative is held at 0 and the others are projected again without it, until
    /// none is negative (sales are not negative; the sum still equals the reconciled total). A covariance that
    /// gives the constraint no variance (every node's errors 0) leaves the parts as they are.
    public static func mint(total: [Double], parts: [[Double]], covariance w: [[Double]], nonNegative: Bool = true) -> [[Double]] {
        let m = parts.count
        precondition(w.count == m + 1 && w.allSatisfy { $0.count == m + 1 }, "the covariance must be (parts + 1) square")
        precondition(parts.allSatisfy { $0.count == total.count }, "every part needs one value per step of the total")
        var out = parts
        for h in total.indices {
            var free = [Bool](repeating: true, count: m)
            while true {
                // u = W c over the free nodes (a held part is a constant, not a node), s = cᵀ W c.
                let nodes = [0] + (0..<m).filter { free[$0] }.map { $0 + 1 }
                let c = nodes.map { $0 == 0 ? 1.0 : -1.0 }
                var u = [Double](repeating: 0, count: nodes.count)
                for (a, i) in nodes.enumerated() {
                    for (b, j) in nodes.enumerated() { u[a] += w[i][j] * c[b] }
                }
                var s = 0.0
                for a in nodes.indices { s += c[a] * u[a] }
                var d = total[h]
                for p in 0..<m where free[p] { d -= parts[p][h] }
                var negative = false
                for (a, i) in nodes.enumerated() where i > 0 {
                    let v = s > 0 ? parts[i - 1][h] - u[a] * d / s : parts[i - 1][h]
                    out[i - 1][h] = v
                    if nonNegative && v < 0 { negative = true }
                }
                for p in 0..<m where !free[p] { out[p][h] = 0 }
                guard negative else { break }
                for p in 0..<m where free[p] && out[p][h] < 0 { free[p] = false }
                if !free.contains(true) {
                    for p in 0..<m { out[p][h] = 0 }
                    break
                }
            }
        }
        return out
    }

    /// Top-down by historical proportions: the total split by `shares` (normalised to sum to 1; equal shares
    /// when they sum to 0).
    public static func topDown(total: [Double], shares: [Double]) -> [[Double]] {
        let sum = shares.reduce(0, +)
        let p = sum > 0 ? shares.map { $0 / sum } : shares.map { _ in 1 / Double(max(1, shares.count)) }
        return p.map { share in total.map { $0 * share } }
    }
}
