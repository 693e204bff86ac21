import Foundation
import Testing
@testable import Models

@Suite("Anomaly baselines")
struct AnomalyBaselineTests {
    // Seed 004's README example: fit on four points, then 13.0 is an anomaly and 10.3 is not.
    static let seedTimes: [Double] = [1_705_000_000, 1_705_000_001, 1_705_000_002, 1_705_000_003]
    static let seedValues = [10.0, 11.2, 10.4, 10.8]

    @Test("standard: mean and population sd, seed 004's example points")
    func standardSeedExample() throws {
        let b = try AnomalyBaseline.fit(timestamps: Self.seedTimes, values: Self.seedValues)
        // mean 10.6; squared deviations .36 .36 .04 .04 → variance 0.2 (ddof 0).
        #expect(abs(b.centers[0] - 10.6) < 1e-12)
        #expect(abs(b.scales[0] - 0.2.squareRoot()) < 1e-12)
        let high = b.evaluate(timestamp: 1_705_000_010, value: 13.0)
        #expect(high.isAnomaly)
        #expect(abs(high.score - 2.4 / 0.2.squareRoot()) < 1e-9)
        #expect(abs(high.upper - (10.6 + 3 * 0.2.squareRoot())) < 1e-12)
        #expect(abs(high.lower - (10.6 - 3 * 0.2.squareRoot())) < 1e-12)
        #expect(!b.evaluate(timestamp: 1_705_000_011, value: 10.3).isAnomaly)
    }

    @Test("tails: seed 004 flags only high values; both tails flag low ones too")
    func tails() throws {
        let both = try AnomalyBaseline.fit(timestamps: Self.seedTimes, values: Self.seedValues)
        let upper = try AnomalyBaseline.fit(timestamps: Self.seedTimes, values: Self.seedValues, tail: .upper)
        let lower = try AnomalyBaseline.fit(timestamps: Self.seedTimes, values: Self.seedValues, tail: .lower)
        #expect(both.evaluate(timestamp: 0, value: 9.0).isAnomaly)
        #expect(!upper.evaluate(timestamp: 0, value: 9.0).isAnomaly)
        #expect(lower.evaluate(timestamp: 0, value: 9.0).isAnomaly)
        #expect(upper.evaluate(timestamp: 0, value: 13.0).isAnomaly)
        #expect(!lower.evaluate(timestamp: 0, value: 13.0).isAnomaly)
    }

    @Test("the bound itself is normal; k moves it")
    func strictBoundAndK() throws {
        // mean 2, population sd 1.
        let t: [Double] = [0, 1, 2, 3]
        let b = try AnomalyBaseline.fit(timestamps: t, values: [1, 3, 1, 3])
        #expect(b.evaluate(timestamp: 9, value: 5).upper == 5)
        #expect(!b.evaluate(timestamp: 9, value: 5).isAnomaly)
        #expect(b.evaluate(timestamp: 9, value: 5.0001).isAnomaly)
        #expect(!b.evaluate(timestamp: 9, value: -1).isAnomaly)
        #expect(b.evaluate(timestamp: 9, value: -1.0001).isAnomaly)
        let k2 = try AnomalyBaseline.fit(timestamps: t, values: [1, 3, 1, 3], k: 2)
        #expect(k2.evaluate(timestamp: 9, value: 4.5).isAnomaly)
        #expect(!b.evaluate(timestamp: 9, value: 4.5).isAnomaly)
    }

    @Test("zero spread: only the training value itself is normal")
    func zeroScale() throws {
        let b = try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [5, 5, 5])
        let same = b.evaluate(timestamp: 3, value: 5)
        #expect(!same.isAnomaly && same.score == 0 && same.lower == 5 && same.upper == 5)
        let above = b.evaluate(timestamp: 3, value: 5.1)
        #expect(above.isAnomaly && above.score == .infinity)
        let below = b.evaluate(timestamp: 3, value: 4.9)
        #expect(below.isAnomaly && below.score == -.infinity)
        let upperOnly = try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [5, 5, 5], tail: .upper)
        #expect(!upperOnly.evaluate(timestamp: 3, value: 4.9).isAnomaly)
    }

    @Test("robust: median and 1.4826·MAD ignore the outlier that inflates the standard baseline")
    func robust() throws {
        let t: [Double] = [0, 60, 120, 180, 240]
        let values: [Double] = [1, 2, 3, 4, 100]
        let robust = try AnomalyBaseline.fit(timestamps: t, values: values, variant: .robust)
        // median 3; |x − 3| = 2 1 0 1 97 → MAD 1.
        #expect(robust.centers == [3])
        #expect(abs(robust.scales[0] - 1.4826) < 1e-12)
        #expect(abs(robust.evaluate(timestamp: 0, value: 8).upper - (3 + 3 * 1.4826)) < 1e-12)
        #expect(!robust.evaluate(timestamp: 0, value: 7).isAnomaly)
        #expect(robust.evaluate(timestamp: 0, value: 8).isAnomaly)
        let standard = try AnomalyBaseline.fit(timestamps: t, values: values)
        #expect(!standard.evaluate(timestamp: 0, value: 8).isAnomaly)
    }

    /// Hourly points, four phases with centres 0, 10, 20, 30 and offsets 0, +1, −1 per cycle.
    static func seasonalSeries(cycles: Int = 3) -> (times: [Double], values: [Double]) {
        var times: [Double] = [], values: [Double] = []
        let offsets: [Double] = [0, 1, -1]
        for c in 0..<cycles {
            for p in 0..<4 {
                times.append(1_700_000_000 + Double(c * 4 + p) * 3600)
                values.append(Double(p) * 10 + offsets[c % 3])
            }
        }
        return (times, values)
    }

    @Test("seasonal: one mean and sd per phase, phase from the time index modulo the period")
    func seasonalGivenPeriod() throws {
        let (times, values) = Self.seasonalSeries()
        // Shuffled input: the fit orders points by time.
        let order = [5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6]
        let b = try AnomalyBaseline.fit(
            timestamps: order.map { times[$0] }, values: order.map { values[$0] }, variant: .seasonal, period: 4)
        #expect(b.period == 4 && b.step == 3600 && b.origin == 1_700_000_000)
        #expect(b.centers == [0, 10, 20, 30])
        for s in b.scales { #expect(abs(s - (2.0 / 3).squareRoot()) < 1e-12) }
        // Index 13 → phase 1 (centre 10); a few seconds of jitter rounds to the same index.
        let t13 = 1_700_000_000 + 13 * 3600.0 + 40
        #expect(b.evaluate(timestamp: t13, value: 10.5).phase == 1)
        #expect(!b.evaluate(timestamp: t13, value: 10.5).isAnomaly)
        #expect(b.evaluate(timestamp: t13, value: 20).isAnomaly)
        // Before the origin: index −1 → phase 3.
        let early = b.evaluate(timestamp: 1_700_000_000 - 3600, value: 30)
        #expect(early.phase == 3 && !early.isAnomaly)
        // The non-seasonal baseline finds nothing wrong with 20 at phase 1.
        let standard = try AnomalyBaseline.fit(timestamps: times, values: values)
        #expect(!standard.evaluate(timestamp: t13, value: 20).isAnomaly)
    }

    @Test("seasonal: the period is detected by autocorrelation")
    func seasonalDetectedPeriod() throws {
        let n = 60
        let times = (0..<n).map { Double($0) * 900 }
        let values = (0..<n).map { 5 + 3 * sin(2 * Double.pi * Double($0) / 6) + 0.1 * Double($0 % 2) }
        let b = try AnomalyBaseline.fit(timestamps: times, values: values, variant: .seasonal)
        #expect(b.period == 6)
        #expect(AnomalyBaseline.detectPeriod((0..<40).map { Double($0) }) == nil)
        #expect(throws: ModelError.self) {
            try AnomalyBaseline.fit(timestamps: (0..<40).map { Double($0) }, values: (0..<40).map { Double($0) }, variant: .seasonal)
        }
    }

    @Test("validation errors name the problem")
    func validation() {
        func message(_ body: () throws -> AnomalyBaseline) -> String? {
            do { _ = try body(); return nil } catch let e as ModelError { return e.message } catch { return "\(error)" }
        }
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [1, 2]) }?.contains("3 timestamps but 2 values") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1], values: [1, 2]) }?.contains("at least 3 points") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [1, .nan, 2]) }?.contains("value 1 is not a finite number") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, .infinity, 2], values: [1, 2, 3]) }?.contains("timestamp 1 is not a finite") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 5, 0], values: [1, 2, 3]) }?.contains("duplicate timestamp 0") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [1, 2, 3], k: 0) }?.contains("k must be") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2, 3], values: [1, 2, 3, 4], variant: .seasonal, period: 1) }?.contains("at least 2") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2, 3, 4], values: [1, 2, 3, 4, 5], variant: .seasonal, period: 3) }?.contains("needs at least 6 points") == true)
        // Seven hourly points and one lone point far away: phase 3 of 4 holds a single value.
        let t: [Double] = [0, 1, 2, 4, 5, 6, 8, 9].map { $0 * 3600 }
        #expect(message { try AnomalyBaseline.fit(timestamps: t, values: [1, 2, 3, 1, 2, 3, 1, 2], variant: .seasonal, period: 4) }?.contains("has 0 training point") == true)
        #expect(message { try AnomalyBaseline.fit(timestamps: [0, 1, 2], values: [1, 2, 3]) } == nil)
    }

    @Test("Codable round trip evaluates identically; corrupted state is rejected", arguments: AnomalyBaseline.Variant.allCases)
    func codable(variant: AnomalyBaseline.Variant) throws {
        let (times, values) = Self.seasonalSeries()
        let b = try AnomalyBaseline.fit(timestamps: times, values: values, variant: variant, k: 2.5, period: 4)
        let data = try JSONEncoder().encode(b)
        let decoded = try JSONDecoder().decode(AnomalyBaseline.self, from: data)
        #expect(decoded == b)
        for (i, v) in [0.0, 9.7, 14, 31, -4].enumerated() {
            let t = times[0] + Double(i * 7) * 3600
            #expect(decoded.evaluate(timestamp: t, value: v) == b.evaluate(timestamp: t, value: v))
        }
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        object["centers"] = [1.0, 2.0, 3.0, 4.0, 5.0]
        let corrupted = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnomalyBaseline.self, from: corrupted) }
    }
}
