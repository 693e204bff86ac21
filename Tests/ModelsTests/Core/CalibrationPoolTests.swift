import Foundation
import Models
import Testing

/// The pooled calibration: its ratios and multiplier on a case computed by hand, the overlap rule, and its
/// coverage on short series whose own backtests say little about their scale.
@Suite struct CalibrationPoolTests {
    static func forecast(sd: [Double]) -> Forecast {
        Forecast.gaussian(mean: [Double](repeating: 0, count: sd.count), sd: sd, levels: [80, 95])
    }

    /// A member whose windows (one step each, origins `origins`) have scores `scores` (sd 1, so error = score).
    static func member(_ scores: [Double], origins: [Int]) -> IntervalCalibration {
        var c = IntervalCalibration()
        for (s, o) in zip(scores, origins) { c.record(forecast: forecast(sd: [1]), actual: [s], origin: o) }
        return c
    }

    @Test func theRatiosAreEachWindowOverTheOthersAndTheMultiplierShrinksTheScale() throws {
        // Four one-step windows with scores 1, 2, 2, 4: window j's divisor is the RMS of the other three,
        // e.g. for the first √((4 + 4 + 16) / 3) = √8.
        let c = Self.member([1, 2, 2, 4], origins: [10, 11, 12, 13])
        var one = CalibrationPool()
        one.add(c)
        #expect(one.members == 1 && one.count == 4)
        let expected = [(1.0, 24.0 / 3), (2, 21.0 / 3), (2, 21.0 / 3), (4, 9.0 / 3)].map { ($0.0, $0.1.squareRoot()) }
        for (k, (s, d)) in expected.enumerated() {
            #expect(one.scores[k] == s && abs(one.divisors[k] - d) < 1e-12)
        }
        #expect(abs(one.logScales[0] - log((25.0 / 4).squareRoot())) < 1e-12)
        // One member is no pool: it does not calibrate.
        #expect(one.multiplier(for: c, level: 95) == nil)
        // Fifty members alike: the typical scale G is this member's, √(25 / 4) = 2.5. Each ratio is the score over
        // its divisor shrunk halfway to G, s / √(d · G); the multiplier is their quantile times √(own · G) = 2.5.
        var pool = CalibrationPool()
        for _ in 0..<50 { pool.add(c) }
        let ratios = expected.map { $0.0 / ($0.1 * 2.5).squareRoot() }.sorted()
        let sorted = ratios.flatMap { [Double](repeating: $0, count: 50) }.sorted()
        let q80 = Statistics.quantile(sorted: sorted, 0.8)
        #expect(abs(try #require(pool.multiplier(for: c, level: 80)) - q80 * 2.5) < 1e-9)
        // A series with twice the scale: shrunk halfway (geometrically), √2 times the multiplier, not 2.
        let wide = Self.member([2, 4, 4, 8], origins: [10, 11, 12, 13])
        #expect(abs(try #require(pool.multiplier(for: wide, level: 80)) - q80 * 2.5 * 2.0.squareRoot()) < 1e-9)
        // Applied through the calibration, the pool gives the width.
        let f = Self.forecast(sd: [1, 1])
        let i80 = try #require(c.apply(to: f, pool: pool).interval(level: 80))
        #expect(abs(i80.upper[1] - q80 * 2.5) < 1e-9)
    }

    @Test func overlappingWindowsAreLeftOutOfEachOthersScale() {
        // Windows of three steps at origins 0…4 overlap those fewer than 3 origins away.
        var c = IntervalCalibration()
        for origin in [0, 1, 2, 3, 4] {
            c.record(forecast: Self.forecast(sd: [1, 1, 1]), actual: [Double(origin + 1), Double(origin + 1), Double(origin + 1)], origin: origin)
        }
        var pool = CalibrationPool()
        pool.add(c)
        // Window 0's others: 3 and 4 (scores 4 and 5): divisor √((3 · 16 + 3 · 25) / 6).
        #expect(abs(pool.divisors[0] - ((48.0 + 75) / 6).squareRoot()) < 1e-12)
        // Window 2 overlaps every other (0…4 are all within 2 of it), so it gives no ratio; window 1's only
        // other is 4 (score 5), window 3's is 0, window 4's are 0 and 1.
        #expect(pool.count == 4 * 3)
        #expect(abs(pool.divisors[3] - 5) < 1e-12)
    }

    /// 300 short series: each model claims sd 1 while the series' errors have sd e^(0.6 Z), and each has only
    /// four windows of six steps to learn that from. Each window has its own spread too (e^(0.8 Z) times the
    /// series'), as a real series' calm and turbulent stretches do (on the benchmark's yearly series a held-out
    /// window's RMS score over its backtest's has a log standard deviation of 1.0–1.3), so a series' 24 scores are worth few more
    /// than 4 and its own calibration falls short of the level; the pool of every series' backtests covers
    /// close to it, having measured how well three windows predict a fourth.
    @Test func aPoolCalibratesShortSeriesTheirOwnBacktestsCannot() throws {
        var rng = SeededGenerator(seed: 5)
        let h = 6
        func errors(_ sd: Double) -> [Double] {
            let scale = sd * exp(0.8 * rng.normal())
            return (0..<h).map { _ in scale * rng.normal() }
        }
        func backtest(_ sd: Double) -> IntervalCalibration {
            var c = IntervalCalibration()
            for w in 0..<4 {
                c.record(forecast: Self.forecast(sd: [Double](repeating: 1, count: h)), actual: errors(sd), origin: w * h)
            }
            return c
        }
        let series = (0..<300).map { _ in exp(0.6 * rng.normal()) }
        let backtests = series.map(backtest)
        var pool = CalibrationPool()
        for c in backtests { pool.add(c) }
        var own = (c80: 0, c95: 0), pooled = (c80: 0, c95: 0), total = 0
        for (sd, c) in zip(series, backtests) {
            let f = Self.forecast(sd: [Double](repeating: 1, count: h))
            let actual = errors(sd)
            let a = c.apply(to: f), b = c.apply(to: f, pool: pool)
            for k in 0..<h {
                func inside(_ f: Forecast, _ level: Double) -> Int {
                    let i = f.interval(level: level)!
                    return actual[k] >= i.lower[k] && actual[k] <= i.upper[k] ? 1 : 0
                }
                own.c80 += inside(a, 80); own.c95 += inside(a, 95)
                pooled.c80 += inside(b, 80); pooled.c95 += inside(b, 95)
                total += 1
            }
        }
        let share = { (k: Int) in Double(k) / Double(total) }
        #expect(share(pooled.c95) > 0.93 && share(pooled.c95) < 0.97, "pooled 95 %: \(share(pooled.c95))")
        #expect(share(pooled.c80) > 0.76 && share(pooled.c80) < 0.84, "pooled 80 %: \(share(pooled.c80))")
        #expect(share(own.c95) < 0.93, "own 95 %: \(share(own.c95)), pooled \(share(pooled.c95))")
    }

    @Test func aPoolMergedFromMembersOrDecodedFromJSONGivesTheSameMultipliersAsOneBuiltByAdding() throws {
        // Members of differing scales and window counts, so their ratios interleave when merged.
        var members: [IntervalCalibration] = []
        for k in 0..<12 {
            let n = 4 + k % 3
            let scores: [Double] = (0..<n).map { (i: Int) -> Double in Double((i * 7 + k * 3) % 11 + 1) * Double(1 + k % 4) }
            members.append(Self.member(scores, origins: Array(0..<n)))
        }
        var added = CalibrationPool()
        for m in members { added.add(m) }
        var merged = CalibrationPool()
        for m in members.reversed() {
            var one = CalibrationPool()
            one.add(m)
            merged.merge(one)
        }
        let decoded = try JSONDecoder().decode(CalibrationPool.self, from: JSONEncoder().encode(added))
        #expect(decoded == added)
        // The encoding is the three arrays a stored member has always had, and nothing derived.
        let keys = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(added)) as? [String: Any]).keys
        #expect(Set(keys) == ["scores", "divisors", "logScales"])
        // The multiplier by its definition: the sorted ratios s / (d^w · G^(1−w)), their quantile times own^w · G^(1−w).
        let w = CalibrationPool.ownWeight
        let g = exp(added.logScales.reduce(0, +) / Double(added.logScales.count))
        let ratios = zip(added.scores, added.divisors).map { $0 / (pow($1, w) * pow(g, 1 - w)) }.sorted()
        for level in [50.0, 80, 95, 99] {
            let series = members[5]
            let byDefinition = Statistics.quantile(sorted: ratios, level / 100) * pow(series.rootMeanSquare!, w) * pow(g, 1 - w)
            for pool in [added, merged, decoded] {
                let m: Double = try #require(pool.multiplier(for: series, level: level))
                let error: Double = abs(m - byDefinition)
                #expect(error < 1e-9 * byDefinition, "\(level): \(m) against \(byDefinition)")
            }
        }
        // A stored member whose arrays disagree is refused, not read as a shorter pool.
        let bad = #"{"scores":[1,2],"divisors":[1],"logScales":[0]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CalibrationPool.self, from: Data(bad.utf8)) }
    }
}
