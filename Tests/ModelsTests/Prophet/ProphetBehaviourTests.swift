import Foundation
import Testing
@testable import Models

#if canImport(Glibc)
import Glibc
#endif

@Suite("Prophet behaviour")
struct ProphetBehaviourTests {
    /// Daily piecewise-linear series: slope +0.5/day, then −0.3/day from day 200, plus N(0, 1) noise.
    @Test func recoversAKnownChangepoint() throws {
        var random = SeededGenerator(seed: 11)
        let days = (0..<400).map { 16_000 + Double($0) }
        let values = (0..<400).map { i -> Double in
            let d = Double(i)
            return 100 + 0.5 * d - 0.8 * max(d - 200, 0) + random.normal()
        }
        let fit = try Prophet.fit(days: days, values: values)
        #expect(fit.features.seasonalities.map(\.name) == ["weekly"])
        let trend = try fit.components(days: days).trend
        let early = (trend[150] - trend[50]) / 100, late = (trend[390] - trend[260]) / 130
        #expect(abs(early - 0.5) < 0.02, "early slope \(early)")
        #expect(abs(late + 0.3) < 0.02, "late slope \(late)")
        // The rate change sits at the changepoints around day 200 (spacing ≈ 13 days).
        let biggest = fit.delta.indices.max { abs(fit.delta[$0]) < abs(fit.delta[$1]) }!
        #expect(abs(fit.changepointDays[biggest] - 16_200) <= 13, "largest change at day \(fit.changepointDays[biggest] - 16_000)")
        var nearby = 0.0, total = 0.0
        for (j, d) in fit.delta.enumerated() {
            total += abs(d)
            if abs(fit.changepointDays[j] - 16_200) <= 26 { nearby += abs(d) }
        }
        #expect(nearby / total > 0.9)
        let change = fit.delta.reduce(0, +) * fit.yScale / fit.tScale
        #expect(abs(change + 0.8) < 0.05, "total rate change \(change)/day")
        let residualSD = Statistics.standardDeviation(zip(values, fit.fitted).map { $0 - $1 })
        #expect(residualSD < 1.1)
    }

    /// Two years of daily data with a weekly cycle and a holiday: +30 on the day, +10 the day after.
    @Test func recoversAHolidayEffect() throws {
        var random = SeededGenerator(seed: 5)
        let days = (0..<730).map { 16_000 + Double($0) }
        let holidayDays = stride(from: 16_020.0, to: 16_730, by: 61).map { $0 }
        var values = days.map { 200 + 0.02 * ($0 - 16_000) + 12 * sin(2 * .pi * $0 / 7) + 2 * random.normal() }
        for h in holidayDays {
            let i = Int(h - 16_000)
            values[i] += 30
            if i + 1 < values.count { values[i + 1] += 10 }
        }
        let future = 16_730.0 + 15
        let holiday = ProphetHoliday(name: "sale", days: holidayDays + [future], lowerWindow: 0, upperWindow: 1)
        let fit = try Prophet.fit(days: days, values: values, options: ProphetOptions(holidays: [holiday]))
        #expect(fit.features.holidayEffects.map(\.name) == ["sale_+0", "sale_+1"])
        let parts = try fit.components(days: [holidayDays[3], holidayDays[3] + 1, holidayDays[3] + 2])
        #expect(abs(parts.holidays[0] - 30) < 2, "day effect \(parts.holidays[0])")
        #expect(abs(parts.holidays[1] - 10) < 2, "day-after effect \(parts.holidays[1])")
        #expect(parts.holidays[2] == 0)
        // A future occurrence lifts the forecast by the same amount.
        let withHoliday = try fit.predict(days: [future], levels: []).mean[0]
        let plain = try fit.components(days: [future])
        #expect(abs(withHoliday - (plain.yhat[0])) < 1e-9)
        #expect(abs(plain.holidays[0] - 30) < 2)
    }

    /// y = 50 + 3 x + noise with a continuous regressor x (standardised inside, effect reported in data units).
    @Test func recoversARegressorEffect() throws {
        var random = SeededGenerator(seed: 9)
        let days = (0..<300).map { 17_000 + Double($0) }
        let x = days.map { 20 + 5 * sin($0 / 11) + random.normal() }
        let values = x.map { 50 + 3 * $0 + 0.5 * random.normal() }
        let fit = try Prophet.fit(days: days, values: values, options: ProphetOptions(weekly: false), regressors: ["x": x])
        let effect = try #require(try fit.components(days: days, regressors: ["x": x]).regressors["x"])
        let slope = (effect[10] - effect[20]) / (x[10] - x[20])
        #expect(abs(slope - 3) < 0.1, "regressor slope \(slope)")
        // Future values are required and used.
        let future = [days.last! + 1, days.last! + 2]
        #expect(throws: ModelError.self) { try fit.predict(days: future, levels: [80]) }
        #expect(throws: ModelError.self) { try fit.predict(days: future, levels: [80], regressors: ["x": [1]]) }
        let high = try fit.predict(days: future, levels: [], regressors: ["x": [30, 30]]).mean
        let low = try fit.predict(days: future, levels: [], regressors: ["x": [20, 20]]).mean
        #expect(abs((high[0] - low[0]) / 10 - 3) < 0.1)
    }

    @Test func rejectsBadInput() {
        #expect(throws: ModelError.self) { try Prophet.fit(days: [], values: []) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 2, 3], values: [1, .nan, 3]) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 3, 2], values: [1, 2, 3]) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 1, 2], values: [1, 2, 3]) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 2], values: [1, 2, 3]) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 2, 3], values: [1, 2, 3], regressors: ["r": [1, 2]]) }
        #expect(throws: ModelError.self) { try Prophet.fit(days: [1, 2, 3], values: [1, 2, 3], regressors: ["r": [1, .infinity, 2]]) }
    }

    @Test func shortSeriesFallBack() throws {
        let one = try Prophet.fit(days: [18_000], values: [42])
        let f1 = one.forecast(horizon: 3, levels: [80])
        #expect(f1.mean == [42, 42, 42])
        #expect(one.summary.notes.contains { $0.contains("single observation") })

        let five = try Prophet.fit(days: [18_000, 18_001, 18_002, 18_003, 18_004], values: [10, 12, 11, 13, 12])
        #expect(five.features.seasonalities.isEmpty)
        #expect(five.changepointDays.count == 3)
        #expect(five.summary.notes.contains { $0.contains("changepoints reduced from 25 to 3") })
        let f5 = five.forecast(horizon: 4, levels: [80, 95])
        #expect(f5.mean.allSatisfy(\.isFinite) && f5.intervals.count == 2)

        // 20 daily points: weekly is due by span but 3 Fourier pairs need 12 points — kept; yearly is off.
        let twenty = try Prophet.fit(days: (0..<20).map { 18_000 + Double($0) }, values: (0..<20).map { Double($0 % 7) })
        #expect(twenty.features.seasonalities.map(\.name) == ["weekly"])
        #expect(twenty.summary.notes.contains { $0.contains("yearly seasonality off") })
    }

    @Test func forecastContinuesAtTheMedianSpacingWithOrderedIntervals() throws {
        let c = try #require(ProphetReferenceData.cases.first { $0.name == "m4_W120" })
        let fit = try Prophet.fit(days: c.days, values: c.values)
        let a = fit.forecast(horizon: 13, levels: [80, 95])
        let b = try fit.predict(days: c.futureDays, levels: [80, 95])
        #expect(a == b)  // weekly spacing, same seed: the same forecast
        #expect(a == fit.forecast(horizon: 13, levels: [80, 95]))
        let i80 = try #require(a.interval(level: 80)), i95 = try #require(a.interval(level: 95))
        for h in 0..<13 {
            #expect(i95.lower[h] < i80.lower[h] && i80.lower[h] < a.mean[h] && a.mean[h] < i80.upper[h] && i80.upper[h] < i95.upper[h])
        }
        // Trend uncertainty widens the intervals with the horizon.
        let long = try #require(fit.forecast(horizon: 150, levels: [95]).interval(level: 95))
        #expect(long.upper[149] - long.lower[149] > 1.2 * (long.upper[0] - long.lower[0]))
        let other = try Prophet.fit(days: c.days, values: c.values, options: ProphetOptions(seed: 99)).forecast(horizon: 13, levels: [80])
        #expect(other.intervals[0].lower != i80.lower)
        #expect(fit.forecast(horizon: 0, levels: [80]).mean.isEmpty)
    }

    @Test func optionsDecodeWithDefaults() throws {
        let json = #"{"changepointPriorScale": 0.5, "holidays": [{"name": "x", "days": [1, 2]}]}"#
        let decoded = try JSONDecoder().decode(ProphetOptions.self, from: Data(json.utf8))
        #expect(try JSONDecoder().decode(ProphetOptions.self, from: Data("{}".utf8)) == .default)
        #expect(decoded.changepointPriorScale == 0.5)
        #expect(decoded.changepointCount == 25 && decoded.weekly == nil && decoded.uncertaintySamples == 1000)
        #expect(decoded.holidays.first?.days == [1, 2])
    }
}

/// The prior scales and changepoint counts that `model-params` accepts give finite forecasts, at both ends of
/// their ranges (ModelParameterSets.prophetPriorScales, changepointCount 0...500).
@Suite struct ProphetParameterRangeTests {
    @Test(arguments: [ModelsTestsPriorScaleEnd.low, .high])
    func extremesOfTheAcceptedRangesForecastFinitely(_ end: ModelsTestsPriorScaleEnd) throws {
        var random = SeededGenerator(seed: 5)
        let days = (0..<90).map { 19_000 + Double($0) }
        let values = days.indices.map { i in 50 + 0.1 * Double(i) + 5 * sin(Double(i) * 2 * .pi / 7) + random.normal() }
        let scale = end == .low ? ProphetOptions.priorScaleRange.lowerBound : ProphetOptions.priorScaleRange.upperBound
        for (count, samples) in [(0, 0), (500, 0), (500, 200)] {
            let options = ProphetOptions(
                changepointCount: count, changepointPriorScale: scale, seasonalityPriorScale: scale,
                holidaysPriorScale: scale, regressorPriorScale: scale, uncertaintySamples: samples)
            let fit = try Prophet.fit(days: days, values: values, options: options)
            let future = (90..<120).map { 19_000 + Double($0) }
            let f = try fit.predict(days: future, levels: [95])
            let what = "scale \(scale), \(count) changepoints, \(samples) samples"
            let finite = f.mean.allSatisfy { $0.isFinite }
            #expect(finite, "\(what)")
            let band = try #require(f.interval(level: 95))
            #expect(band.lower.allSatisfy(\.isFinite) && band.upper.allSatisfy(\.isFinite))
        }
    }
}

enum ModelsTestsPriorScaleEnd: Sendable, CustomTestStringConvertible {
    case low, high
    var testDescription: String { self == .low ? "lowest prior scale" : "highest prior scale" }
}
