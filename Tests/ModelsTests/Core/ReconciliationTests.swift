import Foundation
import Models
import Testing

/// The reconciliation of a category and its products: MinT on cases computed by hand and against the matrix
/// formula, the shrinkage, and the hierarchy's intervals on simulated products with a known distribution.
@Suite struct ReconciliationTests {
    @Test func minTWithADiagonalCovarianceMovesEachNodeByItsVariance() {
        // Total 10, parts 3 and 4: the gap is 3. W = diag(1, 1, 2), c = (1, −1, −1): W c = (1, −1, −2),
        // cᵀ W c = 4. Parts: 3 + 1·3/4 = 3.75 and 4 + 2·3/4 = 5.5; their sum 9.25 is the total 10 − 3/4.
        let w: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 2]]
        let r = HierarchicalReconciler.mint(total: [10], parts: [[3], [4]], covariance: w)
        #expect(abs(r[0][0] - 3.75) < 1e-12 && abs(r[1][0] - 5.5) < 1e-12)
    }

    @Test func minTEqualsTheGeneralisedLeastSquaresProjection() throws {
        // ỹ_b = (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹ ŷ with S = [[1, 1], [1, 0], [0, 1]], computed with explicit inverses.
        let w: [[Double]] = [[4, 1, 1], [1, 2, 0.5], [1, 0.5, 3]]
        let yHat = [12.0, 5, 4]
        let wi = try #require(Self.inverse3(w))
        let s: [[Double]] = [[1, 1], [1, 0], [0, 1]]
        // A = Sᵀ W⁻¹ (2 × 3), M = A S (2 × 2), b = A ŷ.
        let a = (0..<2).map { i in (0..<3).map { j in (0..<3).reduce(0.0) { $0 + s[$1][i] * wi[$1][j] } } }
        let m = (0..<2).map { i in (0..<2).map { j in (0..<3).reduce(0.0) { $0 + a[i][$1] * s[$1][j] } } }
        let b = (0..<2).map { i in (0..<3).reduce(0.0) { $0 + a[i][$1] * yHat[$1] } }
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
        let expected = [(m[1][1] * b[0] - m[0][1] * b[1]) / det, (m[0][0] * b[1] - m[1][0] * b[0]) / det]
        let r = HierarchicalReconciler.mint(total: [yHat[0]], parts: [[yHat[1]], [yHat[2]]], covariance: w)
        #expect(abs(r[0][0] - expected[0]) < 1e-9 && abs(r[1][0] - expected[1]) < 1e-9, "\(r) vs \(expected)")
    }

    @Test func aPartThatWouldGoNegativeIsHeldAtZeroAndTheRestStillAddUp() {
        // Total 2, parts 0.1 and 5, W = I: the first would be 0.1 − 3.1/3 < 0. Held at 0, the second alone
        // closes the gap 2 − 5 = −3 with the total: W c = (1, −1), cᵀ W c = 2, so it becomes 5 − 3/2 = 3.5.
        let identity: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        let r = HierarchicalReconciler.mint(total: [2], parts: [[0.1], [5]], covariance: identity)
        #expect(r[0][0] == 0 && abs(r[1][0] - 3.5) < 1e-12)
        let signed = HierarchicalReconciler.mint(total: [2], parts: [[0.1], [5]], covariance: identity, nonNegative: false)
        #expect(signed[0][0] < 0)
    }

    @Test func topDownSplitsByNormalisedShares() {
        let r = HierarchicalReconciler.topDown(total: [10, 20], shares: [1, 3])
        #expect(r == [[2.5, 5], [7.5, 15]])
        #expect(HierarchicalReconciler.topDown(total: [6], shares: [0, 0, 0]) == [[2], [2], [2]])
    }

    @Test func theShrinkageIsStrongForUnrelatedErrorsAndWeakForCorrelatedOnes() {
        var g = SeededGenerator(seed: 7)
        let unrelated = (0..<400).map { _ in [g.normal(), g.normal(), g.normal()] }
        let (wu, lu) = HierarchicalReconciler.shrunkCovariance(unrelated)
        #expect(lu > 0.5, "λ \(lu)")
        #expect(abs(wu[1][1] - 1) < 0.2, "the diagonal is the sample variance")
        let related = (0..<400).map { _ -> [Double] in
            let x = g.normal()
            return [2 * x + 0.1 * g.normal(), x + 0.1 * g.normal(), x + 0.1 * g.normal()]
        }
        let (wr, lr) = HierarchicalReconciler.shrunkCovariance(related)
        #expect(lr < 0.05, "λ \(lr)")
        #expect(wr[1][2] > 0.9 && wr[0][1] > 1.8, "\(wr)")
    }

    /// Thirty products with a weekly shape and normal noise of a known spread, a new product and one that never
    /// sold; the last 28 days are held out. The products' calibrated 95 % and 80 % bands must cover about that
    /// share of what followed.
    @Test func productIntervalsCoverTheirLevelOnSimulatedProducts() throws {
        var g = SeededGenerator(seed: 42)
        let n = 280, hold = 28, train = n - hold, period = 7
        var parts: [HierarchicalForecast.Part] = []
        var future: [[Double]] = []
        for i in 0..<30 {
            let level = 10 + Double(i), amplitude = 2 + Double(i % 4)
            let values = (0..<n).map { t in max(0, level + amplitude * sin(2 * Double.pi * Double(t % period) / Double(period)) + 2 * g.normal()) }
            parts.append(.init(id: "p\(i)", values: Array(values[..<train])))
            future.append(Array(values[train...]))
        }
        parts.append(.init(id: "new", values: (0..<train).map { $0 >= train - 10 ? 5 : 0 }))
        parts.append(.init(id: "never", values: [Double](repeating: 0, count: train)))
        let total = (0..<train).map { t in parts.reduce(0) { $0 + $1.values[t] } }
        // The category's own model at three origins and at the end.
        var windows: [Int: Forecast] = [:]
        for w in 1...3 {
            let cut = train - w * hold
            windows[cut] = try Theta.fit(Array(total[..<cut]), period: period).forecast(horizon: hold, levels: [80, 95])
        }
        let final = try Theta.fit(total, period: period).forecast(horizon: hold, levels: [80, 95])
        let result = HierarchicalForecast.run(
            total: total, totalForecast: final, totalWindows: windows, parts: parts,
            options: .init(horizon: hold, period: period))
        #expect(result.windows == 3 && result.modelled == 30)
        #expect(Set(result.scores.keys) == Set(Reconciliation.allCases))
        #expect(result.scores[result.method] == result.scores.values.min())
        let byID = Dictionary(uniqueKeysWithValues: result.parts.map { ($0.id, $0) })
        #expect(byID["new"]?.base == "share" && byID["never"]?.base == "share" && ["holt_winters", "theta"].contains(byID["p0"]?.base ?? ""))
        #expect(byID["never"]?.forecast.mean.allSatisfy { $0 == 0 } == true)
        var inside95 = 0, inside80 = 0, count = 0
        for i in 0..<30 {
            let f = try #require(byID["p\(i)"]?.forecast)
            let i95 = try #require(f.interval(level: 95)), i80 = try #require(f.interval(level: 80))
            for t in 0..<hold {
                #expect(i95.lower[t] <= i80.lower[t] && i80.lower[t] <= f.mean[t] && f.mean[t] <= i80.upper[t] && i80.upper[t] <= i95.upper[t])
                if i95.lower[t] <= future[i][t] && future[i][t] <= i95.upper[t] { inside95 += 1 }
                if i80.lower[t] <= future[i][t] && future[i][t] <= i80.upper[t] { inside80 += 1 }
                count += 1
            }
        }
        let c95 = Double(inside95) / Double(count), c80 = Double(inside80) / Double(count)
        #expect(c95 >= 0.92 && c95 <= 0.98, "95 % coverage \(c95)")
        #expect(c80 >= 0.74 && c80 <= 0.86, "80 % coverage \(c80)")
        // Every part's mean is non-negative and the means are finite.
        #expect(result.parts.allSatisfy { $0.forecast.mean.allSatisfy { $0.isFinite && $0 >= 0 } })
    }

    /// With no product modelled (FORECAST_PRODUCT_MODELS=0) every product shares the category's forecast, and
    /// the shares add up to it step by step.
    @Test func withoutModelledProductsTheSharesAddUpToTheCategory() throws {
        let n = 120, h = 14
        let parts = (0..<5).map { i in HierarchicalForecast.Part(id: "p\(i)", values: (0..<n).map { t in Double(i + 1) * (10 + Double(t % 7)) }) }
        let total = (0..<n).map { t in parts.reduce(0) { $0 + $1.values[t] } }
        var windows: [Int: Forecast] = [:]
        for w in 1...3 { windows[n - w * h] = try Theta.fit(Array(total[..<(n - w * h)]), period: 7).forecast(horizon: h, levels: [80, 95]) }
        let final = try Theta.fit(total, period: 7).forecast(horizon: h, levels: [80, 95])
        let result = HierarchicalForecast.run(
            total: total, totalForecast: final, totalWindows: windows, parts: parts, options: .init(horizon: h, period: 7, maxModelled: 0))
        #expect(result.modelled == 0 && result.parts.allSatisfy { $0.base == "share" })
        for t in 0..<h {
            let sum = result.parts.reduce(0) { $0 + $1.forecast.mean[t] }
            #expect(abs(sum - max(0, final.mean[t])) < 1e-6 * max(1, abs(final.mean[t])), "step \(t): \(sum) vs \(final.mean[t])")
        }
        // p4 sells five times what p0 does: its share is five times p0's.
        let p0 = try #require(result.parts.first { $0.id == "p0" }), p4 = try #require(result.parts.first { $0.id == "p4" })
        #expect(abs(p4.forecast.mean[0] - 5 * p0.forecast.mean[0]) < 1e-6 * p4.forecast.mean[0])
    }

    static func inverse3(_ m: [[Double]]) -> [[Double]]? {
        let c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1], c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2], c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0]
        let det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02
        guard abs(det) > 1e-12 else { return nil }
        let adj: [[Double]] = [
            [c00, m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
            [c01, m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
            [c02, m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
        ]
        return adj.map { $0.map { $0 / det } }
    }
}
