#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Models

/// Holt-Winters by Akaike-weighted model averaging (HoltWinters.fitCombination / ETSCombination).
@Suite("ETS Akaike-weighted combination")
struct ETSCombinationTests {
    static var ausbeer: (train: [Double], period: Int) {
        let s = ETSReference.series["fpp2_ausbeer"]!
        return (s.train, 4)
    }

    @Test func weightsAreAkaikeWeightsOfTheCandidates() throws {
        let s = Self.ausbeer
        let combination = try HoltWinters.fitCombination(s.train, period: s.period)
        let candidates = try HoltWinters.fitCandidates(s.train, period: s.period)
        #expect(combination.members.count > 1)
        #expect(abs(combination.weights.reduce(0, +) - 1) < 1e-12)
        #expect(zip(combination.weights, combination.weights.dropFirst()).allSatisfy { $0 >= $1 })
        // Against exp(-ΔAIC/2) computed here from the candidates (the dropped forms are below the floor).
        let aics = candidates.fits.map { $0.summary.criteria!.aic }
        let best = aics.min()!
        let raw = aics.map { exp(-0.5 * ($0 - best)) }
        let total = raw.reduce(0, +)
        let kept = zip(candidates.fits, raw.map { $0 / total }).filter { $0.1 >= ETSCombination.minimumWeight }
        #expect(kept.count == combination.members.count)
        let keptTotal = kept.reduce(0) { $0 + $1.1 }
        for (fit, w) in kept {
            let i = try #require(combination.members.firstIndex { $0.spec == fit.spec })
            #expect(abs(combination.weights[i] - w / keptTotal) < 1e-12, "\(fit.spec)")
        }
        // The lowest-AIC form has the largest weight and auto-ETS' lowest-AICc pick is among the members.
        #expect(combination.members[0].summary.criteria!.aic == best)
        let auto = try HoltWinters.fitAuto(s.train, period: s.period)
        #expect(combination.members.contains { $0.spec == auto.spec })
        #expect(combination.summary.notes.contains { $0.hasPrefix("auto: Akaike-weighted") })
    }

    @Test func forecastIsTheWeightedMeanWithMixtureIntervals() throws {
        let s = Self.ausbeer
        let combination = try HoltWinters.fitCombination(s.train, period: s.period)
        let h = 8
        let f = combination.forecast(horizon: h, levels: [80, 95])
        let memberMeans = combination.members.map { $0.forecast(horizon: h, levels: []).mean }
        let i80 = try #require(f.interval(level: 80)), i95 = try #require(f.interval(level: 95))
        for step in 0..<h {
            let expected = zip(combination.weights, memberMeans).reduce(0) { $0 + $1.0 * $1.1[step] }
            #expect(abs(f.mean[step] - expected) <= 1e-9 * abs(expected))
            let lo = memberMeans.map { $0[step] }.min()!, hi = memberMeans.map { $0[step] }.max()!
            #expect(lo - 1e-9 <= f.mean[step] && f.mean[step] <= hi + 1e-9)
            #expect(i95.lower[step] < i80.lower[step] && i80.lower[step] < f.mean[step])
            #expect(f.mean[step] < i80.upper[step] && i80.upper[step] < i95.upper[step])
            // The mixture's quantiles lie within the members' own quantiles.
            let member95 = combination.members.map { $0.forecast(horizon: h, levels: [95]).interval(level: 95)! }
            let tolerance = 0.01 * (i95.upper[step] - i95.lower[step])
            #expect(i95.lower[step] >= member95.map { $0.lower[step] }.min()! - tolerance)
            #expect(i95.upper[step] <= member95.map { $0.upper[step] }.max()! + tolerance)
        }
        #expect(f == combination.forecast(horizon: h, levels: [80, 95]), "reproducible (fixed simulation seed)")
        #expect(combination.forecast(horizon: 0, levels: [95]).mean.isEmpty)
    }

    @Test func mixtureQuantileInvertsTheMixtureCDF() {
        let parts: [ETSMarginal] = [.gaussian(mean: 0, sd: 1), .gaussian(mean: 5, sd: 2), .sample(sorted: (0..<1000).map { Double($0) / 100 })]
        let weights = [0.5, 0.3, 0.2]
        for p in [0.025, 0.1, 0.5, 0.9, 0.975] {
            let q = ETSCombination.mixtureQuantile(parts, weights: weights, p)
            let cdf = zip(parts, weights).reduce(0) { $0 + $1.1 * $1.0.cdf(q) }
            #expect(abs(cdf - p) < 1e-3, "p=\(p): F(\(q)) = \(cdf)")
        }
        // One Gaussian: its own quantile.
        let q = ETSCombination.mixtureQuantile([.gaussian(mean: 3, sd: 2)], weights: [1], 0.975)
        #expect(abs(q - (3 + 2 * Normal.quantile(0.975))) < 1e-9)
    }

    /// Weekly data with a yearly cycle (m = 52) are modelled seasonally; longer periods are not.
    @Test func weeklyDataWithAYearlySeason() throws {
        var rng = SeededGenerator(seed: 52)
        let y = (0..<160).map { t in 100 + 30 * sin(2 * Double.pi * Double(t) / 52) + (t % 52 == 8 ? 60 : 0) + 2 * rng.normal() }
        let combination = try HoltWinters.fitCombination(y, period: 52)
        #expect(combination.members[0].spec.season != .none, "\(combination.summary.form)")
        #expect(combination.members[0].period == 52)
        let f = combination.forecast(horizon: 13, levels: [95])
        // The yearly peak in week 8 of the cycle (t = 164, forecast step 5) is forecast.
        #expect(f.mean[4] > f.mean[3] + 30 && f.mean[4] > f.mean[5] + 30, "\(f.mean)")
        let tooLong = try HoltWinters.fit(Array(y.prefix(150)), period: 60, spec: ETSSpec(error: .additive, trend: .none, season: .additive))
        #expect(tooLong.spec.season == .none)
        #expect(tooLong.summary.notes.contains { $0.contains("> \(HoltWinters.maximumSeasonalPeriod)") })
    }

    @Test func shortAndConstantSeries() throws {
        let tiny = try HoltWinters.fitCombination([5, 6, 7], period: 4)
        #expect(tiny.members.map(\.spec) == [.simple])
        #expect(tiny.forecast(horizon: 3, levels: [80, 95]).mean.count == 3)
        let flat = try HoltWinters.fitCombination([Double](repeating: 7, count: 30), period: 1)
        for v in flat.forecast(horizon: 4, levels: [95]).mean { #expect(abs(v - 7) < 1e-6) }
        #expect(throws: ModelError.self) { try HoltWinters.fitCombination([1, .nan, 3], period: 1) }
        #expect(throws: ModelError.self) { try HoltWinters.fitCombination([], period: 1) }
    }
}
