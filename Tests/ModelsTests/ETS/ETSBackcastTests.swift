#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Models

/// Backcast initial states (ETSInitialStates.backcast), the default of HoltWinters.fitCombination for
/// non-seasonal forms.
@Suite("ETS backcast initial states")
struct ETSBackcastTests {
    /// m1_T166 at origin 0 (nine annual values).
    static let short: [Double] = [24.7, 25, 24.7, 24.9, 25, 24.3, 24.1, 23.7, 23.2]

    /// Simple exponential smoothing recomputed by hand: the heuristic start (the mean of the first ten values),
    /// a forward pass, a backward pass over the reversed series; its end is the initial level, and the
    /// likelihood is the forward pass from there.
    @Test func simpleSmoothingMatchesTheRecursionByHand() throws {
        let y = ETSReference.series["fpp2_ausbeer"]!.train
        let fit = try #require(HoltWinters.estimateBackcast(y, spec: .simple, notes: []))
        #expect(fit.initialStates == .backcast)
        let alpha = fit.parameters.alpha
        var l = y.prefix(10).reduce(0, +) / 10
        for v in y { l += alpha * (v - l) }
        for v in y.reversed() { l += alpha * (v - l) }
        #expect(abs(fit.initialState.level - l) <= 1e-9 * abs(l))
        var level = l, sse = 0.0
        for v in y {
            sse += (v - level) * (v - level)
            level += alpha * (v - level)
        }
        let n = Double(y.count)
        let ll = -n / 2 * (log(2 * Double.pi * sse / n) + 1)
        let criteria = try #require(fit.summary.criteria)
        #expect(abs(criteria.logLikelihood - ll) <= 1e-9 * abs(ll))
        #expect(abs(fit.finalState.level - level) <= 1e-9 * abs(level))
        // Only alpha and the variance are estimated.
        #expect(fit.parameterCount == 2)
        #expect(abs(criteria.aic - (-2 * ll + 4)) <= 1e-9 * abs(ll))
        #expect(fit.summary.notes.contains("initial states by backcasting"))
    }

    /// On a noiseless line every backcast state lies on the line, so the fit is exact and so is the forecast.
    @Test func aLineIsRecoveredExactly() throws {
        let y = (1...12).map { 5 + 2 * Double($0) }
        let fit = try #require(HoltWinters.estimateBackcast(y, spec: ETSSpec(error: .additive, trend: .additive, season: .none), notes: []))
        #expect(abs(fit.initialState.level - 5) < 1e-6)
        #expect(abs(fit.initialState.trend - 2) < 1e-6)
        let f = fit.forecast(horizon: 3, levels: []).mean
        for (h, v) in f.enumerated() { #expect(abs(v - (5 + 2 * Double(13 + h))) < 1e-5) }
        #expect(fit.parameterCount == 3)  // alpha, beta, sigma^2
    }

    /// Backward the trend changes sign: a falling series backcasts a falling initial trend (about -3 per step
    /// here), not a rising one.
    @Test func trendKeepsItsSignBackwards() throws {
        let y = (1...15).map { 100 - 3 * Double($0) + 0.5 * sin(Double($0)) }
        let fit = try #require(HoltWinters.estimateBackcast(y, spec: ETSSpec(error: .additive, trend: .additiveDamped, season: .none), notes: []))
        #expect(fit.initialState.trend < -2 && fit.initialState.trend > -4, "\(fit.initialState)")
        #expect(abs(fit.initialState.level - 100) < 3, "\(fit.initialState)")
        let f = fit.forecast(horizon: 6, levels: []).mean
        #expect(zip(f, f.dropFirst()).allSatisfy { $1 < $0 })
    }

    /// Without the initial states among the parameters, the damped forms are admissible on nine values
    /// (more than k + 3 observations, k = 4), as they are not when the states are estimated (k = 6).
    @Test func dampedFormsAreAdmissibleOnNineValues() throws {
        let backcast = try HoltWinters.fitCandidates(Self.short, period: 1, initialStates: .backcast)
        let optimized = try HoltWinters.fitCandidates(Self.short, period: 1)
        #expect(backcast.fits.contains { $0.spec.isDamped })
        #expect(!optimized.fits.contains { $0.spec.isDamped })
        #expect(backcast.fits.allSatisfy { $0.initialStates == .backcast })
        #expect(optimized.fits.allSatisfy { $0.initialStates == .optimized })
    }

    /// The combination backcasts the non-seasonal forms and estimates the seasonal forms' states.
    @Test func combinationBackcastsOnlyNonSeasonalForms() throws {
        let y = ETSReference.series["fpp2_ausbeer"]!.train
        let candidates = try HoltWinters.fitCandidates(y, period: 4, initialStates: .backcast)
        #expect(candidates.fits.contains { !$0.spec.hasSeason } && candidates.fits.contains { $0.spec.hasSeason })
        for fit in candidates.fits {
            #expect(fit.initialStates == (fit.spec.hasSeason ? .optimized : .backcast), "\(fit.spec)")
        }
        let combination = try HoltWinters.fitCombination(y, period: 4)
        let explicit = try HoltWinters.fitCombination(y, period: 4, initialStates: .backcast)
        #expect(combination == explicit)
        let estimated = try HoltWinters.fitCombination(y, period: 4, initialStates: .optimized)
        #expect(estimated.members.allSatisfy { $0.initialStates == .optimized })
    }

    /// No form is fitted to a seasonal spec by backcasting.
    @Test func seasonalSpecIsNotBackcast() {
        let y = ETSReference.series["fpp2_ausbeer"]!.train
        #expect(HoltWinters.estimateBackcast(y, spec: ETSSpec(error: .additive, trend: .none, season: .additive), notes: []) == nil)
    }
}
