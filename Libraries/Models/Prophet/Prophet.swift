#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Prophet-like additive model, y(t) = trend(t) + seasonalities(t) + holidays(t) + regressors(t) + noise,
/// fitted by MAP exactly as Facebook Prophet sets it up (scaling, changepoints, priors, automatic seasonalities).
public enum Prophet {
    /// Fits the model.
    /// - Parameters:
    ///   - days: day numbers (days since 1970-01-01, may be fractional), strictly increasing.
    ///   - values: observations aligned with `days`.
    ///   - regressors: extra regressors, name → values aligned with `days`.
    public static func fit(
        days: [Double], values: [Double], options: ProphetOptions = .default, regressors: [String: [Double]] = [:]
    ) throws -> ProphetFit {
        let n = days.count
        guard n > 0 else { throw ModelError("Prophet: empty series") }
        guard values.count == n else { throw ModelError("Prophet: \(values.count) values for \(n) days") }
        guard days.allSatisfy(\.isFinite) else { throw ModelError("Prophet: non-finite day") }
        guard values.allSatisfy(\.isFinite) else { throw ModelError("Prophet: NaN or infinite value") }
        for i in 1..<max(n, 1) where !(days[i] > days[i - 1]) {
            throw ModelError("Prophet: days must be strictly increasing (day \(days[i]) at index \(i) follows \(days[i - 1]))")
        }
        for (name, column) in regressors {
            guard column.count == n else { throw ModelError("Prophet: regressor \(name) has \(column.count) values for \(n) days") }
            guard column.allSatisfy(\.isFinite) else { throw ModelError("Prophet: regressor \(name) has NaN or infinite values") }
        }
        guard options.changepointRange > 0 && options.changepointRange <= 1 else {
            throw ModelError("Prophet: changepointRange must be in (0, 1]")
        }
        guard options.changepointPriorScale > 0, options.seasonalityPriorScale > 0, options.holidaysPriorScale > 0 else {
            throw ModelError("Prophet: prior scales must be positive")
        }

        var notes: [String] = []
        let start = days[0]
        let span = days[n - 1] - start
        let tScale = n > 1 ? span : 1
        var yScale = 0.0
        for v in values { yScale = max(yScale, abs(v)) }
        if yScale == 0 { yScale = 1 }
        var minSpacing = Double.infinity
        for i in 1..<max(n, 1) { minSpacing = min(minSpacing, days[i] - days[i - 1]) }

        // Seasonalities, switched on as Prophet does; automatic ones also need enough points for their terms.
        var seasonalities: [ProphetSeasonality] = []
        func season(_ name: String, _ period: Double, _ order: Int, _ explicit: Bool?, autoOn: Bool, why: String) {
            guard order >= 1 else { return }
            if let explicit {
                if explicit { seasonalities.append(ProphetSeasonality(name: name, period: period, order: order, priorScale: options.seasonalityPriorScale)) }
                return
            }
            if !autoOn {
                if !why.isEmpty { notes.append("\(name) seasonality off: \(why)") }
                return
            }
            if n < 4 * order {
                notes.append("\(name) seasonality off: \(n) points are too few for \(2 * order) Fourier terms")
                return
            }
            seasonalities.append(ProphetSeasonality(name: name, period: period, order: order, priorScale: options.seasonalityPriorScale))
        }
        season("yearly", 365.25, options.yearlyOrder, options.yearly, autoOn: n > 1 && span >= 730,
               why: "history spans less than 2 years")
        season("weekly", 7, options.weeklyOrder, options.weekly, autoOn: n > 1 && span >= 14 && minSpacing < 7,
               why: minSpacing >= 7 ? "" : "history spans less than 2 weeks")
        season("daily", 1, options.dailyOrder, options.daily, autoOn: n > 1 && span >= 2 && minSpacing < 1,
               why: "")

        let regressorNames = regressors.keys.sorted()
        let features = ProphetFeatures(
            seasonalities: seasonalities,
            holidayEffects: ProphetFeatures.holidayEffects(options.holidays, defaultScale: options.holidaysPriorScale),
            regressors: regressorNames.map {
                ProphetRegressor.standardised(
                    name: $0, values: regressors[$0]!, priorScale: options.regressorPriorScale ?? options.holidaysPriorScale)
            })

        // Changepoints: uniformly (by index) over the first changepointRange of the history.
        var changepointDays: [Double] = []
        let histSize = Int((Double(n) * options.changepointRange).rounded(.down))
        var cpCount = max(options.changepointCount, 0)
        if cpCount + 1 > histSize {
            let reduced = max(histSize - 1, 0)
            if cpCount > 0 { notes.append("changepoints reduced from \(cpCount) to \(reduced): \(n) points") }
            cpCount = reduced
        }
        if cpCount > 0 {
            let step = Double(histSize - 1) / Double(cpCount)
            for i in 1...cpCount {
                let index = i == cpCount ? histSize - 1 : Int((Double(i) * step).rounded(.toNearestOrEven))
                changepointDays.append(days[index])
            }
        }
        // Without changepoints Prophet keeps one dummy changepoint at t = 0.
        let changepointsT = changepointDays.isEmpty ? [0.0] : changepointDays.map { ($0 - start) / tScale }

        let y = values.map { $0 / yScale }
        let t = days.map { ($0 - start) / tScale }
        let s = changepointsT.count
        let f = features.count
        let p = 2 + s + f
        var x: [Double] = []
        features.fill(days: days, regressors: regressors, into: &x)

        var theta: [Double]
        var iterations = 0
        if n == 1 {
            notes.append("single observation: constant forecast")
            theta = [Double](repeating: 0, count: p)
            theta[1] = y[0]
        } else {
            let posterior = posterior(t: t, y: y, changepointsT: changepointsT, features: features, featureRows: x, options: options)
            let kInit = (y[n - 1] - y[0]) / (t[n - 1] - t[0])
            let mInit = y[0] - kInit * t[0]
            (theta, iterations) = posterior.maximise(kInit: kInit, mInit: mInit)
        }
        return ProphetFit(
            options: options, days: days, values: values, regressorsHistory: regressors, features: features,
            start: start, tScale: tScale, yScale: yScale, changepointDays: changepointDays, changepointsT: changepointsT,
            theta: theta, featureRows: x, notes: notes, iterations: iterations)
    }

    /// The posterior of Prophet's model for scaled times `t` and values `y` (design Z = [t, 1, hinges, X]).
    static func posterior(
        t: [Double], y: [Double], changepointsT: [Double], features: ProphetFeatures, featureRows x: [Double],
        options: ProphetOptions
    ) -> ProphetPosterior {
        let s = changepointsT.count, f = features.count
        let p = 2 + s + f
        var precision = [Double](repeating: 0, count: p)
        precision[0] = 1.0 / 25
        precision[1] = 1.0 / 25
        for (j, scale) in features.priorScales.enumerated() { precision[2 + s + j] = 1 / (scale * scale) }
        return ProphetPosterior(
            t: t, y: y, changepointsT: changepointsT, x: x, featureCount: f, precision: precision,
            tau: options.changepointPriorScale)
    }
}
