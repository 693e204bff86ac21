import Testing
@testable import Models

/// Reference values: scripts/reference/stl_reference.py (statsforecast's mstl on statsmodels STL, and its
/// seas_heuristic, the seasonal strength behind AutoARIMA's choice of seasonal differencing).
@Suite struct STLTests {
    @Test(arguments: STLReferenceData.cases.map(\.seriesID))
    func decompositionMatchesStatsforecast(seriesID: String) throws {
        let c = try #require(STLReferenceData.cases.first { $0.seriesID == seriesID })
        let stl = STL(c.y, period: c.period)
        let scale = c.y.map(abs).max() ?? 1
        let seasonalError = zip(stl.seasonal, c.seasonal).map { abs($0 - $1) }.max() ?? .infinity
        let trendError = zip(stl.trend, c.trend).map { abs($0 - $1) }.max() ?? .infinity
        #expect(seasonalError <= 1e-9 * scale, "\(seriesID): seasonal off by \(seasonalError)")
        #expect(trendError <= 1e-9 * scale, "\(seriesID): trend off by \(trendError)")
        #expect(abs(stl.seasonalStrength - c.strength) <= 1e-9, "\(seriesID): strength \(stl.seasonalStrength) vs \(c.strength)")
    }

    /// The seasonal-differencing decision follows the reference strength on both sides of 0.64
    /// (euretail, JohnsonJohnson and usemp_CEU5552211001 are seasonal only by STL's measure; walmart_1_38
    /// and visnights_WAUCoast are below the threshold).
    @Test func seasonalDifferencingFollowsTheSTLStrength() {
        for c in STLReferenceData.cases {
            #expect(DifferencingTests.nsdiffs(c.y, period: c.period) == (c.strength > 0.64 ? 1 : 0), "\(c.seriesID)")
        }
        let decided = STLReferenceData.cases.map { DifferencingTests.nsdiffs($0.y, period: $0.period) }
        #expect(decided.contains(0) && decided.contains(1))
    }

    @Test func aSeriesWithoutSeasonHasNoStrengthAndAPureSeasonHasFull() {
        let line = (0..<48).map { 3 + 0.5 * Double($0) }
        #expect(STL(line, period: 12).seasonalStrength < 1e-6)
        let season = (0..<48).map { [5.0, -2, 1, -4][$0 % 4] + 0.1 * Double($0) }
        #expect(STL(season, period: 4).seasonalStrength > 0.999)
    }
}
