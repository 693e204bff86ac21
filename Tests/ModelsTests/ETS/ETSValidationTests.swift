import Testing
@testable import Models

/// fitCombination's choice between all forms and the additive-error forms by validation (ETSValidation).
@Suite("ETS error type chosen by validation")
struct ETSValidationTests {
    static let y = ETSValidationData.train, m = ETSValidationData.period, h = ETSValidationData.horizon

    static func mase(_ forecast: [Double]) -> Double {
        AccuracyMetrics.mase(actual: ETSValidationData.holdout, forecast: forecast, insample: y, period: m)
    }

    /// On m4_H150 the one-step likelihood gives ETS(M,A,M), a drift of about +4 an hour, all the weight; its
    /// 48-hour forecast doubles the level (MASE 2.4). The held-out windows prefer the additive-error forms.
    @Test func longHourlySeriesKeepsTheAdditiveErrorForms() throws {
        let plain = try HoltWinters.fitCombination(Self.y, period: Self.m, horizon: Self.h, validation: nil)
        #expect(plain.members.first?.spec.name == "ETS(M,A,M)")
        #expect(plain.weights[0] > 0.99)
        #expect(!plain.summary.notes.contains { $0.hasPrefix("validation") })

        let validated = try HoltWinters.fitCombination(Self.y, period: Self.m, horizon: Self.h)
        #expect(!validated.members.isEmpty)
        #expect(validated.members.allSatisfy { $0.spec.error == .additive })
        let note = try #require(validated.summary.notes.first { $0.hasPrefix("validation") })
        #expect(note.hasPrefix("validation on 5 held-out windows of 48 points: additive-error forms only"), "\(note)")

        let plainMASE = Self.mase(plain.forecast(horizon: Self.h, levels: []).mean)
        let validatedMASE = Self.mase(validated.forecast(horizon: Self.h, levels: []).mean)
        #expect(plainMASE > 2, "\(plainMASE)")
        #expect(validatedMASE < 1.2, "\(validatedMASE)")
        // The combination is the Akaike-weighted one of the additive-error candidates.
        let candidates = try HoltWinters.fitCandidates(Self.y, period: Self.m, initialStates: .backcast)
        let additive = try ETSCombination(members: candidates.fits.filter { $0.spec.error == .additive })
        #expect(additive.members.map(\.spec) == validated.members.map(\.spec))
        #expect(zip(additive.weights, validated.weights).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// A window is held out only with `minimumTraining` points before it: 100 + 2h + 5 points give two.
    @Test func windowsNeedTheMinimumTrainingBeforeThem() throws {
        let h = 24
        let y = Array(Self.y.suffix(100 + 2 * h + 5))
        let combination = try HoltWinters.fitCombination(y, period: Self.m, horizon: h)
        let note = try #require(combination.summary.notes.first { $0.hasPrefix("validation") })
        #expect(note.hasPrefix("validation on 2 held-out windows of 24 points"), "\(note)")
        let three = try HoltWinters.fitCombination(y, period: Self.m, horizon: h, validation: ETSValidation(folds: 5, minimumTraining: 100 - h))
        #expect(three.summary.notes.contains { $0.hasPrefix("validation on 3 held-out windows of 24 points") })
    }

    /// Too short for one window, or one error type only: no validation, the plain combination.
    @Test func noValidationWithoutAWindowOrAChoice() throws {
        let short = Array(Self.y.suffix(100 + Self.h - 1))
        let a = try HoltWinters.fitCombination(short, period: Self.m, horizon: Self.h)
        let b = try HoltWinters.fitCombination(short, period: Self.m, horizon: Self.h, validation: nil)
        #expect(!a.summary.notes.contains { $0.hasPrefix("validation") })
        #expect(a.members.map(\.spec) == b.members.map(\.spec))
        #expect(a.forecast(horizon: Self.h, levels: []).mean == b.forecast(horizon: Self.h, levels: []).mean)

        // A zero in the data rules out the multiplicative forms: nothing to choose between.
        var withZero = Self.y
        withZero[10] = 0
        let additiveOnly = try HoltWinters.fitCombination(withZero, period: Self.m, horizon: Self.h)
        #expect(additiveOnly.members.allSatisfy { $0.spec.error == .additive })
        #expect(!additiveOnly.summary.notes.contains { $0.hasPrefix("validation") })
    }
}
