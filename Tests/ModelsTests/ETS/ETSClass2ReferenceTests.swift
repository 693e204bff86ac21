import Testing
@testable import Models

/// Forecasts and 95% intervals of the class-2 ETS forms (multiplicative error, no multiplicative season)
/// against statsforecast's closed-form intervals, from the same parameters, final states and sigma^2
/// (scripts/reference/ets_class2_reference.py fits statsforecast's ETS to real series and writes them out).
@Suite("ETS class-2 intervals against statsforecast")
struct ETSClass2ReferenceTests {
    @Test(arguments: ETSClass2ReferenceData.cases.indices)
    func intervalsMatchStatsforecast(_ i: Int) throws {
        let c = ETSClass2ReferenceData.cases[i]
        let spec = try #require(ETSSpec(name: c.form))
        let state = ETSState(level: c.level, trend: c.trend, seasonal: c.seasonal)
        let fit = ETSFit(
            spec: spec, period: spec.hasSeason ? c.period : 1,
            parameters: ETSParameters(alpha: c.alpha, beta: c.beta, gamma: c.gamma, phi: c.phi),
            initialState: state, finalState: state, fittedValues: [], residuals: [], innovations: [],
            sigma2: c.sigma2, summary: ModelSummary(form: spec.name, parameters: [:], criteria: nil, notes: []))
        let f = fit.forecast(horizon: c.mean.count, levels: [95])
        let pi = try #require(f.interval(level: 95))
        for h in c.mean.indices {
            let scale = abs(c.mean[h])
            #expect(abs(f.mean[h] - c.mean[h]) <= 1e-9 * scale, "\(c.seriesID) \(c.form) mean step \(h + 1)")
            #expect(abs(pi.lower[h] - c.lower95[h]) <= 1e-7 * scale, "\(c.seriesID) \(c.form) lower step \(h + 1): \(pi.lower[h]) vs \(c.lower95[h])")
            #expect(abs(pi.upper[h] - c.upper95[h]) <= 1e-7 * scale, "\(c.seriesID) \(c.form) upper step \(h + 1): \(pi.upper[h]) vs \(c.upper95[h])")
        }
    }
}
