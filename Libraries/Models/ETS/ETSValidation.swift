/// How ``HoltWinters/fitCombination(_:period:weighting:horizon:bootstrapSeries:initialStates:validation:budget:)``
/// chooses between combining every fitted form and combining the additive-error forms only.
///
/// The one-step likelihood decides between additive and multiplicative errors by the shape of the
/// errors, not by how well the forms forecast: a multiplicative-error form is fitted to relative errors,
/// so the low stretches of a series (the night hours of hourly data, the quiet days of page views) steer its
/// parameters. On long seasonal series this can give an undamped trend with β ≈ 0 all the Akaike weight,
/// a drift that fits one-step errors and runs away over the horizon (m4_H150: +3.9 an hour on a level of
/// 169, doubling it in 48 hours). Where the series is long enough, the combination therefore holds out its
/// last `folds` windows of `horizon` points in turn (rolling origin), refits the weighted forms before each,
/// and keeps the additive-error combination only if its summed MASE over the windows is lower.
public struct ETSValidation: Sendable, Equatable, Codable {
    /// How many windows of `horizon` points, ending at the end of the series, are held out in turn.
    public var folds: Int
    /// A window is used only when at least this many points come before it.
    public var minimumTraining: Int

    public init(folds: Int = 5, minimumTraining: Int = 100) {
        self.folds = folds
        self.minimumTraining = minimumTraining
    }

    /// Five windows, each after at least 100 points (BENCHMARKS.md, "2026-12-05, evening: the error type
    /// chosen by validation on long series").
    public static let standard = ETSValidation()
}

extension HoltWinters {
    /// The forms to combine: every fit, or the additive-error fits when validation says they forecast
    /// better (see ``ETSValidation``). Returns the chosen fits, their combination on `y` (built here to find
    /// the weighted forms, so the caller need not build it again) and a note saying what was decided, or nil
    /// when no validation was possible (too short, one error type only). With a `budget` that runs out
    /// before the last refit, every fit, with a note that validation was stopped.
    static func chooseErrorType(
        _ y: [Double], fits: [ETSFit], validation: ETSValidation, horizon: Int, budget: TimeBudget? = nil,
        combine: ([ETSFit], [Double]) throws -> ETSCombination
    ) -> (fits: [ETSFit], combination: ETSCombination, note: String)? {
        let additive = fits.filter { $0.spec.error == .additive }
        guard horizon >= 1, validation.folds >= 1, !additive.isEmpty, additive.count < fits.count else { return nil }
        let cuts = (1...validation.folds).map { y.count - $0 * horizon }.filter { $0 >= validation.minimumTraining }
        guard !cuts.isEmpty,
              let all = try? combine(fits, y), let onlyAdditive = try? combine(additive, y)
        else { return nil }
        // Forms below the combination's minimum weight on the whole series are left out of the refits.
        let weighted = Set(all.members.map(\.spec) + onlyAdditive.members.map(\.spec))
        let forms = fits.filter { weighted.contains($0.spec) }
        // MASE's seasonal scale: the seasonal forms' period (1 when none was fitted).
        let period = fits.map(\.period).max() ?? 1
        var errorAll = 0.0, errorAdditive = 0.0
        for (done, cut) in cuts.enumerated() {
            let train = Array(y[..<cut]), test = Array(y[cut..<(cut + horizon)])
            var refits: [ETSFit] = []
            for form in forms {
                if let budget, budget.isExhausted {
                    return (fits, all, "validation stopped after \(done) of \(cuts.count) held-out windows: \(budget) reached; all forms combined")
                }
                if let r = refit(form, on: train) { refits.append(r) }
            }
            let refitsAdditive = refits.filter { $0.spec.error == .additive }
            guard !refitsAdditive.isEmpty,
                  let a = try? combine(refits, train).forecast(horizon: horizon, levels: []).mean,
                  let b = try? combine(refitsAdditive, train).forecast(horizon: horizon, levels: []).mean,
                  a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite)
            else { return nil }
            errorAll += AccuracyMetrics.mase(actual: test, forecast: a, insample: train, period: period)
            errorAdditive += AccuracyMetrics.mase(actual: test, forecast: b, insample: train, period: period)
        }
        guard errorAll.isFinite, errorAdditive.isFinite else { return nil }
        let scores = "summed MASE \(rounded(errorAdditive)) additive-error forms, \(rounded(errorAll)) all forms"
        let windows = "\(cuts.count) held-out window\(cuts.count == 1 ? "" : "s") of \(horizon) points"
        if errorAdditive < errorAll {
            return (additive, onlyAdditive, "validation on \(windows): additive-error forms only (\(scores))")
        }
        return (fits, all, "validation on \(windows): all forms (\(scores))")
    }

    /// `fit`'s form fitted again to `y`, with the same kind of initial states; nil when `y` is too short
    /// for it (the rule of ``fitCandidates(_:period:initialStates:budget:)``).
    static func refit(_ fit: ETSFit, on y: [Double]) -> ETSFit? {
        let m = fit.spec.hasSeason ? fit.period : 1
        guard hasRoom(for: fit.spec, n: y.count, m: m, initialStates: fit.initialStates) else { return nil }
        return fitForm(y, spec: fit.spec, m: m, initialStates: fit.initialStates)
    }

    private static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
