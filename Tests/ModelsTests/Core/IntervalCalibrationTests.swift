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
        // Level 95: p = min(1, 0.95 · 1.1) = 1, the largest score, 10; but ten scores cannot show a 95 % quantile,
        // and the t bound is larger: t(0.975, 9 df) = 2.262157 times the root mean square √(385 / 10) = 6.2048.
        #expect(abs(try #require(c.multiplier(level: 95)) - 2.262157 * (38.5).squareRoot()) < 0.005 * 14.04)
        // Applied: the half-width is the multiplier times the model's scale, the mean unchanged.
        let out = c.apply(to: Self.forecast(sd: [3, 6]))
        let i80 = try #require(out.interval(level: 80))
        #expect(abs(i80.upper[0] - 8.92 * 3) < 1e-9 && abs(i80.lower[1] + 8.92 * 6) < 1e-9)
        #expect(out.mean == [0, 0])
    }

    @Test(arguments: [(0.975, 5.0, 2.570582), (0.975, 9.0, 2.262157), (0.975, 30.0, 2.042272), (0.9, 4.0, 1.533206), (0.95, 20.0, 1.724718)])
    func studentQuantilesMatchTheTables(_ p: Double, _ df: Double, _ exact: Double) {
        let q = IntervalCalibration.studentQuantile(p, degreesOfFreedom: df)
        #expect(abs(q - exact) < 0.002 * exact, "t(\(p), \(df)) = \(q), the table says \(exact)")
    }

    @Test func shortSeriesGetOverlappingThenPartialWindows() {
        // Long enough: three windows 10 apart, the earliest leaving 20 points.
        #expect(IntervalCalibration.origins(count: 50, horizon: 10, windows: 3, minTrain: 14) == ([20, 30, 40], [20, 30, 40]))
        // Two spaced windows of 6 give 12 scores, fewer than 20: origins one step apart, 8 of them (48 scores).
        let overlapping = IntervalCalibration.origins(count: 24, horizon: 6, windows: 4, minTrain: 11)
        #expect(overlapping.full == Array(11...18) && overlapping.all == overlapping.full)
        // One full window only: the partial ones at the end too, for calibration.
        let partial = IntervalCalibration.origins(count: 16, horizon: 6, windows: 4, minTrain: 9)
        #expect(partial.full == [9, 10] && partial.all == [9, 10, 11, 12, 13, 14, 15])
        #expect(IntervalCalibration.origins(count: 10, horizon: 6, windows: 3, minTrain: 14) == ([], []))
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
