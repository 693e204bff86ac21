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

    /// The combination's members and weights are exp(-ΔIC/2) of `criteria` (one per fit), renormalised
    /// after dropping weights below ETSCombination.minimumWeight.
    static func expectWeights(_ combination: ETSCombination, of fits: [ETSFit], criteria: [Double]) throws {
        let best = criteria.min()!
        let raw = criteria.map { exp(-0.5 * ($0 - best)) }
        let total = raw.reduce(0, +)
        let kept = zip(fits, raw.map { $0 / total }).filter { $0.1 >= ETSCombination.minimumWeight }
        #expect(kept.count == combination.members.count)
        let keptTotal = kept.reduce(0) { $0 + $1.1 }
        for (fit, w) in kept {
            let i = try #require(combination.members.firstIndex { $0.spec == fit.spec })
            #expect(abs(combination.weights[i] - w / keptTotal) < 1e-12, "\(fit.spec)")
        }
    }

    @Test func weightsAreAkaikeWeightsOfTheCandidates() throws {
        let s = Self.ausbeer
        let combination = try HoltWinters.fitCombination(s.train, period: s.period)
        let candidates = try HoltWinters.fitCandidates(s.train, period: s.period, initialStates: .backcast)
        #expect(combination.members.count > 1)
        #expect(abs(combination.weights.reduce(0, +) - 1) < 1e-12)
        #expect(zip(combination.weights, combination.weights.dropFirst()).allSatisfy { $0 >= $1 })
        // Against exp(-ΔAIC/2) computed here from the candidates (the dropped forms are below the floor).
        let aics = candidates.fits.map { $0.summary.criteria!.aic }
        let best = aics.min()!
        try Self.expectWeights(combination, of: candidates.fits, criteria: aics)
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

    // MARK: - Multi-step weights (ETSWeighting.multiStep)

    /// With one step the multi-step likelihood is the fit's own log-likelihood, so the weights are Akaike's.
    @Test func oneStepMultiStepWeightsAreAkaikeWeights() throws {
        let s = Self.ausbeer
        let candidates = try HoltWinters.fitCandidates(s.train, period: s.period, initialStates: .backcast)
        for fit in candidates.fits {
            let ll = try #require(fit.multiStepLogLikelihood(s.train, horizon: 1))
            #expect(abs(ll - fit.summary.criteria!.logLikelihood) <= 1e-9 * abs(ll), "\(fit.spec)")
        }
        let akaike = try HoltWinters.fitCombination(s.train, period: s.period)
        let oneStep = try HoltWinters.fitCombination(s.train, period: s.period, weighting: .multiStep, horizon: 1)
        #expect(oneStep.members.map(\.spec) == akaike.members.map(\.spec))
        for (a, b) in zip(oneStep.weights, akaike.weights) { #expect(abs(a - b) < 1e-9) }
        #expect(oneStep.summary.notes.contains { $0.hasPrefix("auto: multi-step-weighted combination (likelihood of the in-sample 1...1-step") })
    }

    /// The criterion recomputed by hand for simple exponential smoothing, whose forecasts from origin t are
    /// the level l_t at every step.
    @Test func multiStepLikelihoodOfSimpleExponentialSmoothingByHand() throws {
        let y: [Double] = [10, 12, 11, 14, 13, 15, 14, 17, 16, 18, 17, 19]
        let fit = try HoltWinters.fit(y, period: 1, spec: .simple)
        let alpha = fit.parameters.alpha
        var levels = [fit.initialState.level]
        for v in y { levels.append(levels.last! + alpha * (v - levels.last!)) }
        let n = y.count, steps = 3
        var expected = 0.0
        for j in 1...steps {
            // Origins t = 0 ... n - j: the forecast of y[t + j - 1] is levels[t].
            let errors = (0...(n - j)).map { y[$0 + j - 1] - levels[$0] }
            let c = Double(errors.count)
            let sse = errors.reduce(0) { $0 + $1 * $1 }
            expected += -c / 2 * (log(2 * Double.pi * sse / c) + 1) * Double(n) / c
        }
        expected /= Double(steps)
        let got = try #require(fit.multiStepLogLikelihood(y, horizon: steps))
        #expect(abs(got - expected) <= 1e-10 * abs(expected), "\(got) vs \(expected)")
        #expect(fit.multiStepLogLikelihood(Array(y.dropLast()), horizon: steps) == nil, "not the fitted series")
    }

    /// The multi-step weights are exp(-ΔIC/2) of IC = -2 × multi-step log-likelihood + 2k, recomputed here.
    @Test func multiStepWeightsFollowTheMultiStepCriterion() throws {
        let s = ETSReference.series["nycflights_EWR"]!
        let h = 28
        let combination = try HoltWinters.fitCombination(s.train, period: 7, weighting: .multiStep, horizon: h)
        let candidates = try HoltWinters.fitCandidates(s.train, period: 7, initialStates: .backcast)
        let ics = candidates.fits.map { fit -> Double in
            let ll = fit.multiStepLogLikelihood(s.train, horizon: h) ?? -.infinity
            return -2 * ll + 2 * Double(fit.parameterCount)
        }
        try Self.expectWeights(combination, of: candidates.fits, criteria: ics)
        #expect(combination.summary.form.hasPrefix("ETS multi-step-weighted ("))
        let mean = combination.forecast(horizon: h, levels: [95]).mean
        #expect(mean.count == h && mean.allSatisfy { $0.isFinite })
    }
}
