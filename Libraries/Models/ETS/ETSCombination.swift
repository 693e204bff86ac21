#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How ``ETSCombination`` weighs the fitted ETS forms.
public enum ETSWeighting: String, Sendable, Codable, CaseIterable {
    /// Akaike weights exp(-ΔAIC/2) from each form's one-step likelihood (Kolassa 2011). The default.
    case akaike
    /// exp(-ΔIC/2) with IC = -2 × (mean log-likelihood of the form's in-sample forecasts 1...h steps ahead)
    /// + 2k, h the forecast horizon: forms are weighed on the horizon they will forecast. On the benchmark
    /// series it is better than Akaike weights on daily and hourly data (h = 28, 48) and worse on short
    /// yearly series (BENCHMARKS.md, "Weights from multi-step forecasts").
    case multiStep = "multi_step"
}

/// The predictive distribution of one forecast step of one ETS form.
enum ETSMarginal: Sendable {
    case gaussian(mean: Double, sd: Double)
    /// Simulated values, sorted ascending.
    case sample(sorted: [Double])

    /// P(Y <= x).
    func cdf(_ x: Double) -> Double {
        switch self {
        case let .gaussian(mean, sd):
            return sd > 0 ? Normal.cdf((x - mean) / sd) : (x >= mean ? 1 : 0)
        case let .sample(sorted):
            // Number of values <= x by binary search.
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
            }
            return Double(lo) / Double(max(sorted.count, 1))
        }
    }

    /// A value below (`upper` false) or above (`upper` true) almost all of the distribution: a bracket
    /// for the quantile search.
    func bound(upper: Bool) -> Double {
        switch self {
        case let .gaussian(mean, sd): return upper ? mean + 10 * sd : mean - 10 * sd
        case let .sample(sorted): return (upper ? sorted.last : sorted.first) ?? 0
        }
    }
}

/// Exponential smoothing by model averaging: the admissible ETS forms combined with Akaike weights
/// (Burnham & Anderson 2002; Kolassa 2011, "Combining exponential smoothing forecasts using Akaike
/// weights", IJF 27(2)). Form i gets weight w_i ∝ exp(-ΔAIC_i / 2), ΔAIC_i = AIC_i - min AIC. The point
/// forecast is the weighted mean of the forms' forecasts and the predictive distribution is the weighted
/// mixture of theirs, so the intervals are the mixture's quantiles (each form's own distribution is its
/// closed-form Gaussian or its simulated sample paths, as in ``ETSFit/forecast(horizon:levels:)``).
/// Forms whose weight is below ``minimumWeight`` are dropped and the rest renormalised.
public struct ETSCombination: FittedForecaster, Equatable, Codable {
    /// The combined forms, highest weight first.
    public var members: [ETSFit]
    /// Their Akaike weights (sum 1), in the order of `members`.
    public var weights: [Double]
    public var summary: ModelSummary

    /// Weights below this are dropped (their forecasts would change the mean by less than 0.1 %
    /// of the spread between forms, and a form with a multiplicative season costs a simulation).
    public static let minimumWeight = 1e-3

    /// Combines `members` with weights exp(-ΔIC/2). With ``ETSWeighting/akaike`` IC is each form's AIC;
    /// with ``ETSWeighting/multiStep`` it is -2 × the mean log-likelihood of the form's in-sample forecasts
    /// 1...`horizon` steps ahead over `series` (``ETSFit/multiStepLogLikelihood(_:horizon:)``) + 2k.
    /// `series` is the series the members were fitted to (needed for ``ETSWeighting/multiStep`` only).
    public init(members: [ETSFit], notes: [String] = [], weighting: ETSWeighting = .akaike, series: [Double] = [], horizon: Int = 1) throws {
        let scored = members.compactMap { fit -> (ETSFit, Double)? in
            let ic: Double?
            switch weighting {
            case .akaike:
                ic = fit.summary.criteria?.aic
            case .multiStep:
                ic = fit.multiStepLogLikelihood(series, horizon: horizon).map {
                    -2 * $0 + 2 * Double(fit.parameterCount)
                }
            }
            guard let ic, ic.isFinite else { return nil }
            return (fit, ic)
        }
        guard let best = scored.map(\.1).min() else {
            throw ModelError("ETS combination: no form has a finite \(weighting == .akaike ? "AIC" : "multi-step criterion")")
        }
        let raw = scored.map { exp(-0.5 * ($0.1 - best)) }
        let total = raw.reduce(0, +)
        var kept = zip(scored.map(\.0), raw.map { $0 / total }).filter { $0.1 >= Self.minimumWeight }
        kept.sort { $0.1 > $1.1 }
        let keptTotal = kept.reduce(0) { $0 + $1.1 }
        self.members = kept.map(\.0)
        self.weights = kept.map { $0.1 / keptTotal }
        var parameters: [String: Double] = [:]
        for (fit, w) in zip(self.members, self.weights) { parameters["weight \(fit.spec.name)"] = w }
        let how = weighting == .akaike ? "Akaike-weighted" : "multi-step-weighted"
        let criterion = weighting == .akaike ? "" : " (likelihood of the in-sample 1...\(horizon)-step forecasts)"
        summary = ModelSummary(
            form: weightedForms("ETS \(how)", zip(self.members.map(\.spec.name), self.weights).map { ($0, $1) }),
            parameters: parameters,
            criteria: nil,
            notes: notes + [
                "auto: \(how) combination\(criterion) of \(self.members.count) of \(scored.count) fitted forms (weights below \(Self.minimumWeight) dropped)"
            ])
    }

    /// Pools `parts` with equal weight: every member of part i keeps its weight within the part, divided
    /// by the number of parts, so the forecast is the mean of the parts' forecasts and the predictive
    /// distribution the equal mixture of theirs (bagging: the parts are fitted to bootstrapped series).
    init(pooling parts: [ETSCombination], form: String, notes: [String]) {
        var members: [ETSFit] = [], weights: [Double] = []
        for part in parts {
            members += part.members
            weights += part.weights.map { $0 / Double(parts.count) }
        }
        var byForm: [String: Double] = [:]
        for (fit, w) in zip(members, weights) { byForm[fit.spec.name, default: 0] += w }
        let order = members.indices.sorted { weights[$0] > weights[$1] }
        self.members = order.map { members[$0] }
        self.weights = order.map { weights[$0] }
        summary = ModelSummary(
            form: weightedForms(form, byForm.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }),
            parameters: Dictionary(uniqueKeysWithValues: byForm.map { ("weight \($0.key)", $0.value) }),
            criteria: nil,
            notes: notes)
    }

    public func forecast(horizon: Int, levels: [Double] = [80, 95]) -> Forecast {
        guard horizon > 0 else { return Forecast(mean: [], intervals: []) }
        let levels = levels.filter { $0 > 0 && $0 < 100 }
        var mean = [Double](repeating: 0, count: horizon)
        for (fit, w) in zip(members, weights) {
            for (h, v) in fit.pointForecast(horizon: horizon).enumerated() { mean[h] += w * v }
        }
        if members.count == 1 {
            return Forecast(mean: mean, intervals: members[0].forecast(horizon: horizon, levels: levels).intervals)
        }
        guard !levels.isEmpty else { return Forecast(mean: mean, intervals: []) }
        let marginals = members.map { $0.marginals(horizon: horizon) }
        var lower = [[Double]](repeating: [Double](repeating: 0, count: horizon), count: levels.count)
        var upper = lower
        for h in 0..<horizon {
            let step = marginals.map { $0[h] }
            for (i, level) in levels.enumerated() {
                let tail = (100 - level) / 200
                lower[i][h] = Self.mixtureQuantile(step, weights: weights, tail)
                upper[i][h] = Self.mixtureQuantile(step, weights: weights, 1 - tail)
            }
        }
        let intervals = levels.indices.map { PredictionInterval(level: levels[$0], lower: lower[$0], upper: upper[$0]) }
        return Forecast(mean: mean, intervals: intervals)
    }

    /// The p-quantile of the mixture sum_i w_i F_i by bisection on its CDF.
    static func mixtureQuantile(_ parts: [ETSMarginal], weights: [Double], _ p: Double) -> Double {
        var lo = parts.map { $0.bound(upper: false) }.min() ?? 0
        var hi = parts.map { $0.bound(upper: true) }.max() ?? 0
        guard lo.isFinite, hi.isFinite, lo < hi else { return lo }
        for _ in 0..<100 {
            let mid = 0.5 * (lo + hi)
            var f = 0.0
            for (part, w) in zip(parts, weights) { f += w * part.cdf(mid) }
            if f < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1) { break }
        }
        return 0.5 * (lo + hi)
    }
}

/// "`prefix` (0.6 ETS(A,N,N) + 0.3 ETS(A,A,N) + …)": the first four forms, highest weight first.
private func weightedForms(_ prefix: String, _ forms: [(name: String, weight: Double)]) -> String {
    let shown = forms.prefix(4).map { "\(fmtWeight($0.weight)) \($0.name)" }
    return prefix + " (" + shown.joined(separator: " + ") + (forms.count > 4 ? " + …" : "") + ")"
}

private func fmtWeight(_ w: Double) -> String {
    let r = (w * 100).rounded() / 100
    return String(r)
}
