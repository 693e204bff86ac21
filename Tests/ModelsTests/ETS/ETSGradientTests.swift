import Testing
@testable import Models

/// The reverse-mode gradient of the ETS objective (ETSGradient) against central differences of the objective
/// itself, on every form, on real seasonal series, at the optimiser's starting point and at points around it.
@Suite("ETS gradient")
struct ETSGradientTests {
    static let forms: [ETSSpec] = ETSSpec.ErrorType.allCases.flatMap { e in
        ETSSpec.TrendType.allCases.flatMap { t in ETSSpec.SeasonType.allCases.map { s in ETSSpec(error: e, trend: t, season: s) } }
    }

    @Test(arguments: ["datasets_USAccDeaths", "datasets_JohnsonJohnson", "forecast_wineind"])
    func matchesCentralDifferences(_ id: String) throws {
        let series = try #require(ETSReference.series[id])
        let y = series.train
        var rng = SeededGenerator(seed: 7)
        var checked = 0
        for spec in Self.forms {
            let m = spec.hasSeason ? series.period : 1
            let n = y.count
            let layout = HoltWinters.Layout(spec: spec, m: m, scale: y.reduce(0) { $0 + abs($1) } / Double(n))
            let sseFloor = layout.sseFloor(n: n)
            let season = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
            defer { season.deallocate() }
            season.initialize(repeating: 0)
            let work = ETSGradient.Workspace(n: n, m: m)
            let start = layout.encode(
                alpha: 0.3, betaStar: 0.1, gammaStar: 0.1, phi: 0.9, start: ETSInitialization.start(y, spec: spec, m: m))
            try y.withUnsafeBufferPointer { yb in
                func objective(_ x: [Double]) -> Double { layout.objective(x, y: yb, sseFloor: sseFloor, season: season) }
                for trial in 0..<4 {
                    // The start, then points moved by up to 0.5 in the smoothing coordinates and 2 % in the states.
                    let smoothing = 1 + (spec.hasTrend ? 1 : 0) + (spec.hasSeason ? 1 : 0) + (spec.isDamped ? 1 : 0)
                    let x = trial == 0 ? start : start.enumerated().map { i, v in
                        i < smoothing ? v + Double.random(in: -0.5...0.5, using: &rng) : v * (1 + Double.random(in: -0.02...0.02, using: &rng))
                    }
                    guard objective(x).isFinite else { continue }
                    let analytic = try #require(layout.gradient(x, y: yb, sseFloor: sseFloor, season: season, work: work), "\(spec.name)")
                    let numeric = Optimize.numericGradient(objective, at: x)
                    for (i, (a, b)) in zip(analytic, numeric).enumerated() {
                        #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(id) \(spec.name) trial \(trial) coordinate \(i): \(a) vs \(b)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked >= 3 * Self.forms.count)
    }
}
