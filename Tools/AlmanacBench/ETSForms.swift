import ArgumentParser
import Foundation
import Models

/// Every admissible ETS form of one benchmark series (HoltWinters.fitCandidates on its training part):
/// parameters, log-likelihood, AIC, AICc, Akaike weight and the MASE of the form's own forecast on the
/// held-out tail. A diagnostic for why the combination weighs a series the way it does.
struct ETSForms: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ets-forms",
        abstract: "The fitted ETS forms of one series with their likelihood, weights and holdout MASE.")

    @Option(help: "Folder with series.csv and the per-frequency files.") var data = "/work/shared/data/series"
    @Option(help: "The series id (as in series.csv).") var series: String

    func run() throws {
        guard let s = try BenchSeries.load(directory: data).first(where: { $0.id == series }) else {
            throw ValidationError("no series \(series) in \(data)")
        }
        let split = s.values.count - s.h
        let train = Array(s.values[..<split]), test = Array(s.values[split...])
        let candidates = try HoltWinters.fitCandidates(train, period: s.m, initialStates: .backcast)
        let fits = candidates.fits.sorted { ($0.summary.criteria?.aicc ?? .infinity) < ($1.summary.criteria?.aicc ?? .infinity) }
        let bestAIC = fits.compactMap { $0.summary.criteria?.aic }.min() ?? 0
        let raw = fits.map { exp(-0.5 * (($0.summary.criteria?.aic ?? .infinity) - bestAIC)) }
        let total = raw.reduce(0, +)
        print("\(s.id) freq=\(s.freq) m=\(s.m) n=\(train.count) h=\(s.h); \(candidates.notes.joined(separator: "; "))")
        print("| form | loglik | AIC | AICc | AIC weight | MASE | alpha | beta | gamma | phi | level, trend at the origin |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for (fit, w) in zip(fits, raw) {
            let c = fit.summary.criteria
            let mase = AccuracyMetrics.mase(actual: test, forecast: fit.forecast(horizon: s.h, levels: []).mean, insample: train, period: s.m)
            let p = fit.parameters
            let values: [Double?] = [c?.logLikelihood, c?.aic, c?.aicc, w / total, mase, p.alpha, p.beta, p.gamma, p.phi]
            let cells = values.map { v -> String in v.map { fmt($0) } ?? "" }
            print("| \(fit.spec.name) | " + cells.joined(separator: " | ") + " | \(fmt(fit.finalState.level)), \(fmt(fit.finalState.trend)) |")
        }
        let combined = try HoltWinters.fitCombination(train, period: s.m, horizon: s.h).forecast(horizon: s.h, levels: []).mean
        print("combination MASE \(fmt(AccuracyMetrics.mase(actual: test, forecast: combined, insample: train, period: s.m)))")
    }
}
