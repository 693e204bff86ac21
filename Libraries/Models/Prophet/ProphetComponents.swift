#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Fourier seasonality: `order` sine/cosine pairs of period `period` days (Prophet's `fourier_series`).
struct ProphetSeasonality: Sendable, Equatable {
    var name: String
    var period: Double
    var order: Int
    var priorScale: Double
}

/// One holiday effect column, e.g. `christmas_-1`: 1 on the listed calendar days, else 0.
struct ProphetHolidayEffect: Sendable, Equatable {
    var holiday: String
    var offset: Int
    var days: [Int]
    var priorScale: Double
    var name: String { "\(holiday)_\(offset >= 0 ? "+" : "-")\(abs(offset))" }
}

/// One extra regressor, standardised as Prophet does (binary and constant regressors are left alone).
struct ProphetRegressor: Sendable, Equatable {
    var name: String
    var mu: Double
    var std: Double
    var priorScale: Double
}

/// The feature columns X of the model (everything but the trend), in the order
/// seasonalities, holiday effects, regressors; each with its Normal prior scale.
struct ProphetFeatures: Sendable {
    var seasonalities: [ProphetSeasonality]
    var holidayEffects: [ProphetHolidayEffect]
    var regressors: [ProphetRegressor]

    var seasonalColumns: Int { seasonalities.reduce(0) { $0 + 2 * $1.order } }
    var holidayOffset: Int { seasonalColumns }
    var regressorOffset: Int { seasonalColumns + holidayEffects.count }
    var count: Int { regressorOffset + regressors.count }

    var priorScales: [Double] {
        var s: [Double] = []
        for season in seasonalities { s += [Double](repeating: season.priorScale, count: 2 * season.order) }
        s += holidayEffects.map(\.priorScale)
        s += regressors.map(\.priorScale)
        return s
    }

    /// Expands the holiday list into effect columns (one per name and window offset, names sorted).
    static func holidayEffects(_ holidays: [ProphetHoliday], defaultScale: Double) -> [ProphetHolidayEffect] {
        var byKey: [String: ProphetHolidayEffect] = [:]
        for holiday in holidays {
            let lower = min(holiday.lowerWindow, 0), upper = max(holiday.upperWindow, 0)
            for offset in lower...upper {
                let key = "\(holiday.name)\u{0}\(offset)"
                var effect = byKey[key] ?? ProphetHolidayEffect(
                    holiday: holiday.name, offset: offset, days: [], priorScale: holiday.priorScale ?? defaultScale)
                for day in holiday.days where day.isFinite { effect.days.append(Int(floor(day)) + offset) }
                byKey[key] = effect
            }
        }
        return byKey.values.sorted { ($0.holiday, $0.offset) < ($1.holiday, $1.offset) }
    }

    /// Fills `out` (row-major, days.count × count) with the features at `days`.
    /// `regressors` must hold every model regressor with days.count raw (unstandardised) values.
    func fill(days: [Double], regressors: [String: [Double]], into out: inout [Double]) {
        let n = days.count, p = count
        out = [Double](repeating: 0, count: n * p)
        out.withUnsafeMutableBufferPointer { x in
            var column = 0
            for season in seasonalities {
                let w = 2 * Double.pi / season.period
                for r in 0..<n {
                    let angle = w * days[r]
                    let s1 = sin(angle), c1 = cos(angle)
                    var s = s1, c = c1
                    let base = r * p + column
                    for j in 0..<season.order {
                        x[base + 2 * j] = s
                        x[base + 2 * j + 1] = c
                        let sNext = s * c1 + c * s1
                        c = c * c1 - s * s1
                        s = sNext
                    }
                }
                column += 2 * season.order
            }
            if !holidayEffects.isEmpty {
                var columnsByDay: [Int: [Int]] = [:]
                for (j, effect) in holidayEffects.enumerated() {
                    for day in effect.days { columnsByDay[day, default: []].append(holidayOffset + j) }
                }
                for r in 0..<n {
                    guard let columns = columnsByDay[Int(floor(days[r]))] else { continue }
                    for j in columns { x[r * p + j] = 1 }
                }
            }
            for (j, regressor) in self.regressors.enumerated() {
                let values = regressors[regressor.name]!
                let col = regressorOffset + j
                for r in 0..<n { x[r * p + col] = (values[r] - regressor.mu) / regressor.std }
            }
        }
    }
}

extension ProphetRegressor {
    /// Prophet's `standardize='auto'`: binary (exactly {0, 1}) and constant regressors keep mu 0, std 1.
    static func standardised(name: String, values: [Double], priorScale: Double) -> ProphetRegressor {
        var distinct = Set<Double>()
        for v in values {
            distinct.insert(v)
            if distinct.count > 2 { break }
        }
        if distinct.count < 2 || distinct == [0, 1] {
            return ProphetRegressor(name: name, mu: 0, std: 1, priorScale: priorScale)
        }
        let mu = Statistics.mean(values)
        let sd = Statistics.standardDeviation(values)
        return ProphetRegressor(name: name, mu: mu, std: sd > 0 ? sd : 1, priorScale: priorScale)
    }
}
