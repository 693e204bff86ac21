import Foundation
import Models
import Store
import Testing
import Workflows

/// The forecast worker's pooled calibration: a category's intervals take their width from the pool of other
/// categories' backtests (Options.pools) where it can, and from the category's own backtest otherwise.
@Suite struct PooledCalibrationTests {
    /// 120 days of a weekly pattern with noise of spread `noise`.
    static func series(seed: UInt64, noise: Double) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<120).map { day in 100 + 20 * sin(2 * Double.pi * Double(day) / 7) + noise * rng.normal() }
    }

    @Test func aPoolOfOtherCategoriesSetsTheWidth() async throws {
        let options = ForecastEngine.Options(horizon: 14, backtestWindows: 3)
        // Six other categories, their noise from 2 to 12: their backtests make the pool.
        var pool = CalibrationPool()
        for k in 0..<6 {
            let runs = try await ForecastEngine.run(values: Self.series(seed: 100 + UInt64(k), noise: 2 + 2 * Double(k)), startDay: 19_723, models: [.holtWinters], options: options)
            pool.add(try #require(runs.first?.calibration))
        }
        #expect(pool.members == 6 && pool.count >= CalibrationPool.minimumRatios)
        let values = Self.series(seed: 7, noise: 5)
        let own = try #require(try await ForecastEngine.run(values: values, startDay: 19_723, models: [.holtWinters], options: options).first)
        var pooledOptions = options
        pooledOptions.pools = [.holtWinters: pool]
        let pooled = try #require(try await ForecastEngine.run(values: values, startDay: 19_723, models: [.holtWinters], options: pooledOptions).first)
        let calibration = try #require(own.calibration)
        #expect(calibration.count >= IntervalCalibration.minimumScores, "the category can calibrate alone too")
        // The same fit, so the same mean; each band's width scaled by the pool's multiplier over the own one.
        let a = try #require(own.forecast), b = try #require(pooled.forecast)
        #expect(a.mean == b.mean)
        for level in [80.0, 95] {
            let ratio = try #require(pool.multiplier(for: calibration, level: level)) / (try #require(calibration.multiplier(level: level)))
            let ia = try #require(a.interval(level: level)), ib = try #require(b.interval(level: level))
            for k in a.mean.indices {
                let (wa, wb) = (ia.upper[k] - ia.lower[k], ib.upper[k] - ib.lower[k])
                #expect(abs(wb - wa * ratio) < 1e-6 * wa, "level \(level), step \(k): \(wb) against \(wa) × \(ratio)")
            }
        }
        // A pool too small to calibrate leaves the category's own calibration.
        var small = CalibrationPool()
        small.add(calibration)
        pooledOptions.pools = [.holtWinters: small]
        let alone = try #require(try await ForecastEngine.run(values: values, startDay: 19_723, models: [.holtWinters], options: pooledOptions).first)
        #expect(alone.forecast == a)
    }
}
