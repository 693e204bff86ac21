import Models
import Testing

/// The automatic model's choice and weights on cases computed by hand.
@Suite struct ForecastCombinationTests {
    static func point(_ values: [Double], halfWidth: Double = 1) -> Forecast {
        Forecast(mean: values, intervals: [
            PredictionInterval(level: 95, lower: values.map { $0 - halfWidth }, upper: values.map { $0 + halfWidth }),
        ])
    }

    @Test func theMeanAveragesMeansAndBoundsWithEqualWeights() throws {
        let f = try #require(ForecastCombination.mean([Self.point([1, 2], halfWidth: 1), Self.point([3, 6], halfWidth: 3)]))
        #expect(f.mean == [2, 4])
        let i = try #require(f.interval(level: 95))
        #expect(i.lower == [0, 2] && i.upper == [4, 6])
    }

    @Test func theCombinationWinsWhenItsBacktestErrorIsLowest() {
        // In-sample 0, 1, 2, 3: the naive scale (period 1) is 1, so MASE is the mean absolute error.
        // Actuals 10, 10. Model a says 8 (error 2), b says 13 (error 3), c says 11 (error 1):
        // singles score 2, 3, 1; mean(a, b) = 10.5 scores 0.5 and wins; mean(a, b, c) = 10.67 scores 0.67.
        let w = ForecastCombination.Window(
            insample: [0, 1, 2, 3], actual: [10, 10],
            forecasts: ["a": Self.point([8, 8]), "b": Self.point([13, 13]), "c": Self.point([11, 11])])
        let candidates = ForecastCombination.candidates(members: ["a", "b", "c"], combinations: [["b", "a"], ["a", "b", "c"]])
        #expect(candidates == [["a"], ["b"], ["c"], ["a", "b"], ["a", "b", "c"]])
        let choice = ForecastCombination.choose(candidates, windows: [w], period: 1, fallback: ["a"])
        #expect(choice.members == ["a", "b"])
        #expect(abs((choice.score ?? .nan) - 0.5) < 1e-12)
        #expect(choice.label == "mean(a,b)")
    }

    @Test func aSingleModelKeepsATieAndAFailedMemberRulesItsCandidatesOut() {
        // Two windows; c failed on the second, so neither c nor a set holding c is scored.
        let w1 = ForecastCombination.Window(insample: [0, 1, 2], actual: [5], forecasts: ["a": Self.point([5]), "b": Self.point([5]), "c": Self.point([5])])
        let w2 = ForecastCombination.Window(insample: [0, 1, 2], actual: [5], forecasts: ["a": Self.point([6]), "b": Self.point([4])])
        let candidates = ForecastCombination.candidates(members: ["a", "b", "c"], combinations: [["a", "c"], ["a", "b"]])
        // a and b score 0.5 each; mean(a, b) = 5 scores 0 and wins; c and mean(a, c) are out.
        #expect(ForecastCombination.choose(candidates, windows: [w1, w2], period: 1, fallback: ["a"]).members == ["a", "b"])
        // Without the pair, a and b tie at 0.5: the earlier single model is kept.
        #expect(ForecastCombination.choose([["a"], ["b"]], windows: [w1, w2], period: 1, fallback: ["b"]).members == ["a"])
        // Without any window, the fallback.
        let none = ForecastCombination.choose(candidates, windows: [], period: 1, fallback: ["b", "a"])
        #expect(none.members == ["a", "b"] && none.score == nil)
    }
}
