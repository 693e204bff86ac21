import Testing
@testable import Models

/// `SARIMAX.fitAuto(budget:)`: a time budget cuts the order search short, and no budget changes nothing.
@Suite struct SARIMAXBudgetTests {
    /// Monthly employment, period 12: a search of a few dozen candidates.
    static var usemp: ARIMAAutoReference { ARIMAReference.auto.first { $0.seriesID == "usemp_CEU0500000001" }! }

    @Test func anExhaustedBudgetStillReturnsTheFirstCandidateWithANote() throws {
        let c = Self.usemp
        let past = TimeBudget(.seconds(2), from: .now - .seconds(10))
        #expect(past.isExhausted)
        let cut = try SARIMAX.fitAuto(c.y, period: c.period, budget: past)
        // The first start of the stepwise search, (2,d,2)(1,D,1), is fitted whatever the budget.
        #expect(cut.order.p == 2 && cut.order.q == 2 && cut.order.P == 1 && cut.order.Q == 1, "\(cut.order)")
        #expect(cut.summary.notes.contains("order search stopped after 1 candidate: time budget of 2 s reached (the best so far keeps its screening fit)"),
                "\(cut.summary.notes)")
        #expect(cut.aicc.isFinite)
        let f = cut.forecast(horizon: 12, levels: [95])
        #expect(f.mean.count == 12 && f.mean.allSatisfy(\.isFinite))
        // The whole search visits that candidate too and keeps the lowest AICc.
        let full = try SARIMAX.fitAuto(c.y, period: c.period)
        #expect(full.aicc <= cut.aicc + 1e-9, "full \(full.aicc), cut \(cut.aicc)")
        #expect(!full.summary.notes.contains { $0.contains("time budget") })
    }

    @Test func noBudgetOrOneThatDoesNotRunOutGivesTheSameFit() throws {
        let c = Self.usemp
        let plain = try SARIMAX.fitAuto(c.y, period: c.period)
        for budget in [nil, TimeBudget(.seconds(3600))] {
            let fit = try SARIMAX.fitAuto(c.y, period: c.period, budget: budget)
            #expect(fit.order == plain.order)
            #expect(fit.summary == plain.summary, "\(fit.summary.notes) vs \(plain.summary.notes)")
            #expect(fit.forecast(horizon: 12, levels: [80, 95]) == plain.forecast(horizon: 12, levels: [80, 95]))
        }
    }

    /// A fit overtaken by the budget is abandoned, not returned half-optimised: BFGS stops before its next
    /// iteration, and a candidate (or the final refit) whose optimiser was stopped is no model.
    @Test func anOptimisationOvertakenByTheBudgetIsAbandoned() throws {
        let past = TimeBudget(.seconds(1), from: .now - .seconds(10))
        let rosenbrock = { (x: [Double]) in 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]) }
        let stopped = Optimize.bfgs(rosenbrock, start: [-1.2, 1], budget: past)
        #expect(stopped.interrupted && !stopped.converged && stopped.x == [-1.2, 1])
        let free = Optimize.bfgs(rosenbrock, start: [-1.2, 1], maxIterations: 1000)
        #expect(!free.interrupted && free.converged && abs(free.x[0] - 1) < 1e-3)
        let c = Self.usemp
        let order = SARIMAOrder(p: 1, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 12)
        #expect(SARIMAX.fitOrder(c.y, order: order, userExog: [], includeConstant: false, notes: [], thorough: true, budget: past) == nil)
        let fit = try #require(SARIMAX.fitOrder(c.y, order: order, userExog: [], includeConstant: false, notes: [], thorough: true))
        #expect(fit.aicc.isFinite)
    }

    @Test func theBudgetNamesItsLength() {
        #expect(TimeBudget(.seconds(20)).description == "time budget of 20 s")
        #expect(TimeBudget(.milliseconds(500)).description == "time budget of 0.5 s")
        #expect(TimeBudget(.milliseconds(1)).description == "time budget of 0.001 s")
        #expect(!TimeBudget(.seconds(3600)).isExhausted)
    }
}
