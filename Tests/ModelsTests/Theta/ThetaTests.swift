import Models
import Testing

@Suite struct ThetaTests {
    /// statsforecast's standard theta method on an M4 yearly and a seasonal quarterly series: the same
    /// forecasts to 0.5 % (both fit α and the initial level by least squares; the optimisers differ).
    @Test(arguments: ThetaReferenceData.cases.map(\.id))
    func forecastsMatchStatsforecastsStandardTheta(_ id: String) throws {
        let c = try #require(ThetaReferenceData.cases.first { $0.id == id })
        let fit = try Theta.fit(c.train, period: c.period)
        let f = fit.forecast(horizon: c.mean.count, levels: [80, 95])
        for (ours, theirs) in zip(f.mean, c.mean) {
            #expect(abs(ours - theirs) / abs(theirs) < 0.005, "\(id): \(ours) against \(theirs) (\(fit.summary.form))")
        }
        #expect(fit.summary.form.hasPrefix("Theta"))
        #expect(c.period == 1 ? fit.seasonal.isEmpty : !fit.seasonal.isEmpty, "\(fit.summary.form)")
    }

    /// A straight line with noise: the drift is half its slope and the forecasts continue it.
    @Test func aLinearSeriesIsContinued() throws {
        var rng = SeededGenerator(seed: 3)
        let y = (0..<60).map { 10 + 2 * Double($0) + 0.1 * rng.normal() }
        let fit = try Theta.fit(y)
        #expect(abs(fit.drift - 1) < 0.02)
        let f = fit.forecast(horizon: 5, levels: [95])
        // SES lags a trend: the theta line's drift makes up about half of the slope per step.
        #expect(f.mean[4] > f.mean[0] && f.mean.allSatisfy(\.isFinite))
        let i = try #require(f.interval(level: 95))
        #expect(zip(i.lower, i.upper).allSatisfy { $0 < $1 })
    }

    @Test func tooShortOrNonFiniteIsRefused() {
        #expect(throws: ModelError.self) { try Theta.fit([1, 2]) }
        #expect(throws: ModelError.self) { try Theta.fit([1, .nan, 3, 4]) }
    }
}
