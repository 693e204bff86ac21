import Testing
@testable import Models

/// Root-mean-square of a − b divided by the standard deviation of `scale`.
func relativeRMS(_ a: [Double], _ b: [Double], scale: [Double]) -> Double {
    precondition(a.count == b.count && !a.isEmpty)
    var s = 0.0
    for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
    return (s / Double(a.count)).squareRoot() / Statistics.standardDeviation(scale)
}

func meanWidth(_ lower: [Double], _ upper: [Double]) -> Double { AccuracyMetrics.meanWidth(lower: lower, upper: upper) }

extension ProphetFit {
    /// Column names of X in Prophet's spelling (`yearly_delim_1`, `christmas_delim_-1`, regressor name).
    var prophetColumnNames: [String] {
        var names: [String] = []
        for season in features.seasonalities { names += (1...(2 * season.order)).map { "\(season.name)_delim_\($0)" } }
        names += features.holidayEffects.map { "\($0.holiday)_delim_\($0.offset >= 0 ? "+" : "-")\(abs($0.offset))" }
        names += features.regressors.map(\.name)
        return names
    }

    /// The exact negative log posterior (|δ|, σ profiled) at our MAP and at Prophet's.
    func negativeLogPosteriors(_ c: ProphetReferenceCase) -> (ours: Double, prophet: Double) {
        let t = c.days.map { ($0 - start) / tScale }
        let y = c.values.map { $0 / yScale }
        var x: [Double] = []
        features.fill(days: c.days, regressors: c.regressors, into: &x)
        var posterior = Prophet.posterior(t: t, y: y, changepointsT: changepointsT, features: features, featureRows: x, options: options)
        posterior.epsilon = 0
        let byName = Dictionary(uniqueKeysWithValues: zip(c.betaNames, c.beta))
        let prophetBeta = prophetColumnNames.map { byName[$0]! }
        func value(_ theta: [Double]) -> Double {
            var g = [Double](repeating: 0, count: theta.count)
            return theta.withUnsafeBufferPointer { th in g.withUnsafeMutableBufferPointer { posterior.value(th, gradient: $0) } }
        }
        return (value([k, m] + delta + beta), value([c.k, c.m] + c.delta + prophetBeta))
    }
}

@Suite("Prophet against Facebook Prophet (MAP) on real series")
struct ProphetReferenceTests {
    static let names = ProphetReferenceData.cases.map(\.name)

    @Test("diagnostics", arguments: names)
    func diagnostics(name: String) throws {
        let c = ProphetReferenceData.cases.first { $0.name == name }!
        let fit = try Prophet.fit(days: c.days, values: c.values, options: ProphetOptions(holidays: c.holidays), regressors: c.regressors)
        let fc = try fit.predict(days: c.futureDays, levels: [80, 95], regressors: c.futureRegressors)
        let fitRMS = relativeRMS(fit.fitted, c.fitted, scale: c.values)
        let fcRMS = relativeRMS(fc.mean, c.forecast, scale: c.values)
        let w80 = meanWidth(fc.intervals[0].lower, fc.intervals[0].upper) / meanWidth(c.lower80, c.upper80)
        let w95 = meanWidth(fc.intervals[1].lower, fc.intervals[1].upper) / meanWidth(c.lower95, c.upper95)
        print("\(name): it=\(fit.iterations) k \(fit.k) vs \(c.k); m \(fit.m) vs \(c.m); sigma \(fit.sigma) vs \(c.sigma); fitRMS \(fitRMS) fcRMS \(fcRMS) w80 \(w80) w95 \(w95) cp \(fit.changepointDays == c.changepointDays)")
        let nlp = fit.negativeLogPosteriors(c)
        print("  -log posterior ours \(nlp.ours) prophet \(nlp.prophet)")
        print("  delta ours \(fit.delta.map { ($0 * 1000).rounded() / 1000 })")
        print("  delta ref  \(c.delta.map { ($0 * 1000).rounded() / 1000 })")
        print("  \(fit.summary.form) \(fit.summary.notes)")
    }
}
