import Testing
@testable import Models

/// `HoltWinters.fitCombination(budget:)`: an exhausted budget fits the first form only, no budget changes nothing.
@Suite struct ETSBudgetTests {
    static var ausbeer: [Double] { ETSReference.series["fpp2_ausbeer"]!.train }

    @Test func anExhaustedBudgetCombinesTheFormsFittedSoFar() throws {
        let y = Self.ausbeer
        let past = TimeBudget(.seconds(3), from: .now - .seconds(10))
        let all = try HoltWinters.fitCandidates(y, period: 4, initialStates: .backcast)
        let cut = try HoltWinters.fitCandidates(y, period: 4, initialStates: .backcast, budget: past)
        #expect(cut.fits.count == 1 && cut.fits[0].spec == all.fits[0].spec, "\(cut.fits.map(\.spec.name))")
        #expect(cut.notes.contains("stopped after 1 of \(all.considered) forms: time budget of 3 s reached"), "\(cut.notes)")
        let combination = try HoltWinters.fitCombination(y, period: 4, budget: past)
        #expect(combination.members.count == 1)
        #expect(combination.summary.notes.contains { $0.hasPrefix("stopped after 1 of") })
        let f = combination.forecast(horizon: 8, levels: [95])
        #expect(f.mean.count == 8 && f.mean.allSatisfy(\.isFinite))
        let bagged = try HoltWinters.fitCombination(y, period: 4, bootstrapSeries: 3, budget: past)
        #expect(bagged.summary.notes.contains("bagging stopped after 0 of 2 bootstrap series: time budget of 3 s reached"), "\(bagged.summary.notes)")
    }

    /// The validation of the error type refits forms on held-out windows: an exhausted budget stops it before
    /// the first refit, and every fitted form is combined.
    @Test func anExhaustedBudgetStopsTheValidationOfTheErrorType() throws {
        let y = ETSValidationData.train, m = ETSValidationData.period, h = ETSValidationData.horizon
        let candidates = try HoltWinters.fitCandidates(y, period: m, initialStates: .backcast)
        let past = TimeBudget(.seconds(3), from: .now - .seconds(10))
        let choice = try #require(HoltWinters.chooseErrorType(
            y, fits: candidates.fits, validation: .standard, horizon: h, budget: past, combine: { fits, _ in try ETSCombination(members: fits) }))
        #expect(choice.fits.map(\.spec) == candidates.fits.map(\.spec))
        #expect(choice.note == "validation stopped after 0 of 5 held-out windows: time budget of 3 s reached; all forms combined")
        let unbounded = try #require(HoltWinters.chooseErrorType(
            y, fits: candidates.fits, validation: .standard, horizon: h, budget: TimeBudget(.seconds(3600)), combine: { fits, _ in try ETSCombination(members: fits) }))
        #expect(unbounded.note.hasPrefix("validation on 5 held-out windows"))
    }

    @Test func noBudgetOrOneThatDoesNotRunOutGivesTheSameCombination() throws {
        let y = Self.ausbeer
        let plain = try HoltWinters.fitCombination(y, period: 4)
        for budget in [nil, TimeBudget(.seconds(3600))] {
            #expect(try HoltWinters.fitCombination(y, period: 4, budget: budget) == plain)
        }
        let long = ETSValidationData.train, m = ETSValidationData.period, h = ETSValidationData.horizon
        let validated = try HoltWinters.fitCombination(long, period: m, horizon: h)
        #expect(try HoltWinters.fitCombination(long, period: m, horizon: h, budget: TimeBudget(.seconds(3600))) == validated)
    }
}
