import Models
import Testing

/// Data that once crashed the search: a step regressor that explains almost everything, so that every start
/// of some candidate gave a non-finite likelihood. A candidate without an estimate must be skipped, not trap.
@Suite struct SARIMAXDegenerateTests {
    @Test func nearlyCollinearRegressorDoesNotTrap() throws {
        let n = 90
        let promo = (0..<n).map { Double(($0 * 37) % 5 == 0 ? 1 : 0) }
        var y: [Double] = []
        for t in 0..<n {
            let noise = Double((t * 7919) % 7) * 0.3
            y.append(20 + 15 * promo[t] + noise)
        }
        let fit = try SARIMAX.fitAuto(y, period: 7, exog: promo.map { [$0] })
        let f = try fit.forecast(horizon: 2, levels: [95], exog: [[1], [0]])
        #expect(f.mean[0] - f.mean[1] > 10)
        #expect(f.mean.allSatisfy { $0.isFinite })
    }
}
