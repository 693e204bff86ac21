import Models
import Testing

/// The conformal calibration of prediction intervals: its quantile on a case computed by hand, and its
/// coverage on fresh windows of errors with a known distribution, for a model whose own intervals are wrong.
@Suite struct IntervalCalibrationTests {
    /// A forecast of `h` steps with mean 0 and the model's own Gaussian intervals of sd `sd[h]`.
    static func forecast(sd: [Double], levels: [Double] = [80, 95]) -> Forecast {
        Forecast.gaussian(mean: [Double](repeating: 0, count: sd.count), sd: sd, levels: levels)
    }

    @Test func theMultiplierIsTheConformalQuantileOfTheScaledErrors() throws {
        // Ten windows of one step, sd 2: the errors 2, 4, …, 20 are the scores 1…10 (error / sd).
        var c = IntervalCalibration()
        for k in 1...10 { c.record(forecast: Self.forecast(sd: [2]), actual: [Double(2 * k) * (k % 2 == 0 ? 1 : -1)]) }
        #expect(c.count == 10)
        // Level 80: p = 0.8 · 11/10 = 0.88 of the sorted scores, position 0.88 · 9 = 7.92: 8 + 0.92 · (9 − 8).
        #expect(abs(try #require(c.multiplier(level: 80)) - 8.92) < 1e-12)
        // Level 95: p = min(1, 0.95 · 1.1) = 1, the largest score.
        #expect(try #require(c.multiplier(level: 95)) == 10)
        // Applied: the half-width is the multiplier times the model's scale, the mean unchanged.
        let out = c.apply(to: Self.forecast(sd: [3, 6]))
        let i80 = try #require(out.interval(level: 80))
        #expect(abs(i80.upper[0] - 8.92 * 3) < 1e-9 && abs(i80.lower[1] + 8.92 * 6) < 1e-9)
        #expect(out.mean == [0, 0])
    }

    @Test func tooFewScoresKeepTheModelsOwnIntervals() {
        var c = IntervalCalibration()
        c.record(forecast: Self.forecast(sd: [1, 1, 1]), actual: [5, 5, 5])
        let f = Self.forecast(sd: [1, 2])
        #expect(c.multiplier(level: 95) == nil)
        #expect(c.apply(to: f) == f)
    }

    /// A model that claims sd 1 at every step while its errors have sd `trueSD · √(step)` (Gaussian or
    /// Laplace): calibrated on `windows` windows, its intervals on 400 fresh windows cover close to the level.
    @Test(arguments: [(false, 3), (true, 3), (false, 8), (true, 8)])
    func calibratedIntervalsCoverTheirLevelOnFreshWindows(_ laplace: Bool, _ windows: Int) throws {
        var rng = SeededGenerator(seed: laplace ? 11 : 7)
        let h = 12, trueSD = 2.5
        // The model's scale grows with the step as the errors do; its level is wrong by a factor of 2.5.
        let sd = (1...h).map { Double($0).squareRoot() }
        func errors() -> [Double] {
            (1...h).map { step in
                let s = trueSD * Double(step).squareRoot()
                return laplace ? rng.laplace(scale: s / 2.0.squareRoot()) : s * rng.normal()
            }
        }
        var covered80 = 0, covered95 = 0, total = 0
        var rawCovered95 = 0
        for _ in 0..<400 {
            var c = IntervalCalibration()
            for _ in 0..<windows { c.record(forecast: Self.forecast(sd: sd), actual: errors()) }
            let f = Self.forecast(sd: sd)
            let calibrated = c.apply(to: f)
            let actual = errors()
            let i80 = try #require(calibrated.interval(level: 80)), i95 = try #require(calibrated.interval(level: 95))
            let raw95 = try #require(f.interval(level: 95))
            for k in 0..<h {
                if actual[k] >= i80.lower[k] && actual[k] <= i80.upper[k] { covered80 += 1 }
                if actual[k] >= i95.lower[k] && actual[k] <= i95.upper[k] { covered95 += 1 }
                if actual[k] >= raw95.lower[k] && actual[k] <= raw95.upper[k] { rawCovered95 += 1 }
                total += 1
            }
        }
        let (c80, c95, raw) = (Double(covered80) / Double(total), Double(covered95) / Double(total), Double(rawCovered95) / Double(total))
        #expect(raw < 0.75, "the model's own 95 % interval is far too narrow: \(raw)")
        #expect(c80 > 0.77 && c80 < 0.85, "80 %: \(c80)")
        #expect(c95 > 0.93 && c95 < 0.975, "95 %: \(c95)")
    }

    @Test func theIntervalScoreChargesWidthAndMisses() {
        // Width 2 at each step; the second actual is 1 above the interval: 2 + (2 / 0.2) · 1 = 12.
        let s = AccuracyMetrics.intervalScore(actual: [0, 2], lower: [-1, -1], upper: [1, 1], level: 80)
        #expect(abs(s - (2 + 12) / 2) < 1e-12)
        // MSIS divides by the in-sample mean absolute seasonal difference (here 2 with period 1).
        let m = AccuracyMetrics.msis(actual: [0, 2], lower: [-1, -1], upper: [1, 1], level: 80, insample: [0, 2, 4], period: 1)
        #expect(abs(m - 7 / 2) < 1e-12)
    }
}
