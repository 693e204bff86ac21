import ArgumentParser
import Foundation
import Models

/// How Holt-Winters' automatic method was decided (BENCHMARKS.md): the point forecasts of several ways of
/// choosing or combining the admissible ETS forms (all fitted once by HoltWinters.fitCandidates), scored by
/// mean MASE on the held-out tails of the shared series, beside the ETS peers. The series with a missing
/// score in any column are left out of every column. Note that choosing among these on the same series
/// is itself a selection on the benchmark: the table says how much the choice matters, not a clean test.
struct ETSAblation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ets-ablation",
        abstract: "Mean MASE of ways to choose or combine the admissible ETS forms (lowest AICc, Akaike weights, ...).")

    @Option(help: "Folder with series.csv and the per-frequency files.") var data = "/work/shared/data/series"
    @Option(help: "Only series of these frequencies (comma-separated; default all).") var freq: String?
    @Option(help: "JSON lines written by scripts/bench/peers.py: adds the ETS peers' columns.") var peers: String?
    @Option(help: "Forecast origins (comma-separated), as for `models`: each series' scores are averaged over its windows.")
    var origins = "0"
    @Flag(help: "Print every series' scores to standard error.") var verbose = false
    @Option(help: "Add rows for bagged ETS (HoltWinters.fitCombination(bootstrapSeries:)) with these numbers of series, comma-separated.")
    var bagged: String?

    /// A strategy turns the candidate fits into a point forecast (nil when it has nothing to offer).
    typealias Strategy = (name: String, forecast: @Sendable ([ETSFit], Int) -> [Double]?)

    /// Akaike-type weights exp(-ΔIC/2) by the criterion `ic` (AIC or AICc), averaging the forms' point forecasts.
    static func weighted(_ fits: [ETSFit], _ h: Int, by ic: KeyPath<InformationCriteria, Double>) -> [Double]? {
        guard let best = fits.map({ $0.summary.criteria![keyPath: ic] }).min() else { return nil }
        let w = fits.map { exp(-0.5 * ($0.summary.criteria![keyPath: ic] - best)) }
        let total = w.reduce(0, +)
        var mean = [Double](repeating: 0, count: h)
        for (fit, wi) in zip(fits, w) { for (i, v) in fit.forecast(horizon: h, levels: []).mean.enumerated() { mean[i] += wi / total * v } }
        return mean
    }

    static func lowest(_ fits: [ETSFit], _ h: Int) -> [Double]? {
        fits.min { $0.summary.criteria!.aicc < $1.summary.criteria!.aicc }?.forecast(horizon: h, levels: []).mean
    }

    /// Equal-weight mean of the lowest-AICc form of each trend type (the types that have an admissible form).
    static func comb(_ fits: [ETSFit], _ h: Int, _ trends: [ETSSpec.TrendType]) -> [Double]? {
        let members = trends.compactMap { t in fits.filter { $0.spec.trend == t }.min { $0.summary.criteria!.aicc < $1.summary.criteria!.aicc } }
        guard !members.isEmpty else { return lowest(fits, h) }
        var mean = [Double](repeating: 0, count: h)
        for fit in members { for (i, v) in fit.forecast(horizon: h, levels: []).mean.enumerated() { mean[i] += v / Double(members.count) } }
        return mean
    }

    /// ETSCombination with ``ETSWeighting/multiStep`` weights over `steps` forecast steps.
    static func multiStepWeighted(_ fits: [ETSFit], _ h: Int, steps: Int) -> [Double]? {
        guard let first = fits.first else { return nil }
        let y = zip(first.fittedValues, first.residuals).map { $0 + $1 }
        let combination = try? ETSCombination(members: fits, weighting: .multiStep, series: y, horizon: steps)
        return combination?.forecast(horizon: h, levels: []).mean
    }

    /// Step j's forecast weighted by the likelihood of the forms' in-sample j-step forecasts (IC = -2 ll_j + 2k).
    static func perStepWeighted(_ fits: [ETSFit], _ h: Int) -> [Double]? {
        guard let first = fits.first else { return nil }
        let y = zip(first.fittedValues, first.residuals).map { $0 + $1 }
        var mean = [Double](repeating: 0, count: h)
        let forecasts = fits.map { $0.forecast(horizon: h, levels: []).mean }
        var previous: [Double]?
        for j in 0..<h {
            // ll of the j+1 step alone = (j+1) * avg(1...j+1) - j * avg(1...j)
            let avg = fits.map { $0.multiStepLogLikelihood(y, horizon: j + 1) }
            var ics: [Double] = []
            for (i, fit) in fits.enumerated() {
                guard let a = avg[i], let c = fit.summary.criteria else { ics.append(.infinity); continue }
                let ll = Double(j + 1) * a - Double(j) * (j > 0 ? (previous?[i] ?? 0) : 0)
                ics.append(-2 * ll + (c.aic + 2 * c.logLikelihood))
            }
            previous = avg.map { $0 ?? 0 }
            guard let best = ics.filter(\.isFinite).min() else { return nil }
            let w = ics.map { $0.isFinite ? exp(-0.5 * ($0 - best)) : 0 }
            let total = w.reduce(0, +)
            for i in fits.indices where w[i] > 0 { mean[j] += w[i] / total * forecasts[i][j] }
        }
        return mean
    }

    static let strategies: [Strategy] = [
        ("per-step likelihood weights", { fits, h in perStepWeighted(fits, h) }),
        ("multi-step likelihood weights, H = h (fitCombination weighting: .multiStep)", { fits, h in multiStepWeighted(fits, h, steps: h) }),
        ("multi-step likelihood weights, H = 1 (= AIC weights)", { fits, h in multiStepWeighted(fits, h, steps: 1) }),
        ("lowest AICc (fitAuto, auto-ETS)", { lowest($0, $1) }),
        ("lowest AICc, damped trend when admissible", { fits, h in
            let damped = fits.filter { $0.spec.trend == .additiveDamped }
            return lowest(damped.isEmpty ? fits : damped, h)
        }),
        ("AICc weights, damped trend when admissible", { fits, h in
            let damped = fits.filter { $0.spec.trend == .additiveDamped }
            return weighted(damped.isEmpty ? fits : damped, h, by: \.aicc)
        }),
        ("Comb: mean of the lowest-AICc N, A and Ad trend forms", { fits, h in comb(fits, h, [.none, .additive, .additiveDamped]) }),
        ("mean of the lowest-AICc A and Ad trend forms", { fits, h in comb(fits, h, [.additive, .additiveDamped]) }),
        ("lowest AIC", { fits, h in fits.min { $0.summary.criteria!.aic < $1.summary.criteria!.aic }?.forecast(horizon: h, levels: []).mean }),
        ("AIC weights, all forms (fitCombination)", { weighted($0, $1, by: \.aic) }),
        ("AIC weights, N and Ad trend forms", { fits, h in
            let some = fits.filter { $0.spec.trend != .additive }
            return weighted(some.isEmpty ? fits : some, h, by: \.aic)
        }),
        ("AIC weights, damped trend when admissible", { fits, h in
            let damped = fits.filter { $0.spec.trend == .additiveDamped }
            return weighted(damped.isEmpty ? fits : damped, h, by: \.aic)
        }),
        ("AIC weights, additive error", { fits, h in
            let some = fits.filter { $0.spec.error == .additive }
            return weighted(some.isEmpty ? fits : some, h, by: \.aic)
        }),
        ("A,Ad,A (statsmodels' form; lowest AICc when not admissible)", { fits, h in
            let seasonal = fits.contains { $0.spec.season == .additive }
            let form = ETSSpec(error: .additive, trend: .additiveDamped, season: seasonal ? .additive : .none)
            return fits.first { $0.spec == form }.map { $0.forecast(horizon: h, levels: []).mean } ?? lowest(fits, h)
        }),
        ("AICc weights, all forms", { weighted($0, $1, by: \.aicc) }),
        ("AICc weights, damped and no-trend forms", { fits, h in weighted(fits.filter { $0.spec.trend != .additive }, h, by: \.aicc) }),
        ("equal weights, all forms", { fits, h in
            guard !fits.isEmpty else { return nil }
            var mean = [Double](repeating: 0, count: h)
            for fit in fits { for (i, v) in fit.forecast(horizon: h, levels: []).mean.enumerated() { mean[i] += v / Double(fits.count) } }
            return mean
        }),
    ]

    func run() throws {
        let wanted = freq.map { Set($0.split(separator: ",").map(String.init)) }
        let series = try BenchSeries.load(directory: data).filter { wanted?.contains($0.freq) ?? true }
        let origins = try parseOrigins(self.origins)
        let baggedCounts = (bagged ?? "").split(separator: ",").compactMap { Int($0) }
        var peerMASE: [String: [ModelsTable.Window: Double]] = [:]
        let peerNames = ["statsmodels_ets", "statsforecast_autoets"]
        if let peers {
            for r in try readJSONLines(SeriesResult.self, from: peers) where peerNames.contains(r.model) {
                if let v = r.mase { peerMASE[r.model, default: [:]][ModelsTable.Window(r)] = v }
            }
        }
        var scores: [String: [[Double]]] = [:]  // freq -> per window, per strategy
        var ids: [String: [ModelsTable.Window]] = [:]
        for whole in series {
            for origin in origins {
                guard let s = whole.window(origin: origin) else { continue }
                let window = ModelsTable.Window(series: s.id, origin: origin)
                let split = s.values.count - s.h
                guard split > 2 else { continue }
                let train = Array(s.values[..<split]), test = Array(s.values[split...])
                guard let candidates = try? HoltWinters.fitCandidates(train, period: s.m, initialStates: .backcast) else { continue }
                var fits = candidates.fits
                if fits.isEmpty, let simple = try? HoltWinters.fit(train, period: 1, spec: .simple) { fits = [simple] }
                // Bagging refits bootstrapped series, so it takes the training series and period, not the fits.
                let forecasts = Self.strategies.map { $0.forecast(fits, s.h) } + baggedCounts.map { k in
                    try? HoltWinters.fitCombination(train, period: s.m, horizon: s.h, bootstrapSeries: k).forecast(horizon: s.h, levels: []).mean
                }
                let row = forecasts.map { f -> Double in
                    guard let f, f.allSatisfy(\.isFinite) else { return .nan }
                    return AccuracyMetrics.mase(actual: test, forecast: f, insample: train, period: s.m)
                }
                if verbose {
                    let forms = fits.sorted { $0.summary.criteria!.aicc < $1.summary.criteria!.aicc }.prefix(3)
                        .map { "\($0.spec.name) \(fmt($0.summary.criteria!.aicc, 1))" }.joined(separator: ", ")
                    let peerCells = peerNames.map { fmt(peerMASE[$0]?[window] ?? .nan) }.joined(separator: " ")
                    FileHandle.standardError.write(Data("\(s.id)@\(origin) n=\(train.count) \(row.map { fmt($0) }.joined(separator: " ")) | \(peerCells) | \(forms)\n".utf8))
                }
                scores[s.freq, default: []].append(row)
                ids[s.freq, default: []].append(window)
            }
        }
        if origins != [0] {
            print("Origins \(origins.map(String.init).joined(separator: ", ")): each series' MASE is averaged over its windows, then over the series.")
            print("")
        }
        let methods = Self.strategies.map(\.name) + baggedCounts.map { "bagged ETS (Bergmeir et al. 2016), \($0) series" }
            + peerNames.filter { peerMASE[$0] != nil }
        var labels: [String] = []
        var means: [[Double]] = []  // per label, per method
        var all: [[Double]] = []
        var allIDs: [ModelsTable.Window] = []
        for f in scores.keys.sorted() {
            let (count, m) = columnMeans(scores[f]!, ids[f]!, peerMASE, peerNames)
            labels.append("\(f) (\(count))")
            means.append(m)
            all += scores[f]!
            allIDs += ids[f]!
        }
        let (count, m) = columnMeans(all, allIDs, peerMASE, peerNames)
        labels.append("all (\(count))")
        means.append(m)
        print("| method | " + labels.joined(separator: " | ") + " |")
        print("| --- |" + String(repeating: " ---: |", count: labels.count))
        for (i, method) in methods.enumerated() {
            print("| \(method) | " + means.map { fmt($0[i]) }.joined(separator: " | ") + " |")
        }
    }

    /// Mean MASE per method over the series (each averaged over its windows) on the windows where every
    /// strategy and every peer column has a score.
    private func columnMeans(
        _ rows: [[Double]], _ windows: [ModelsTable.Window], _ peerMASE: [String: [ModelsTable.Window: Double]],
        _ peerNames: [String]
    ) -> (Int, [Double]) {
        let present = peerNames.filter { peerMASE[$0] != nil }
        var bySeries: [String: [[Double]]] = [:]
        for (row, window) in zip(rows, windows) {
            let all = row + present.map { peerMASE[$0]?[window] ?? .nan }
            guard all.allSatisfy(\.isFinite) else { continue }
            bySeries[window.series, default: []].append(all)
        }
        var sums = [Double](repeating: 0, count: (rows.first?.count ?? 0) + present.count)
        for windowRows in bySeries.values {
            for i in sums.indices { sums[i] += windowRows.map { $0[i] }.reduce(0, +) / Double(windowRows.count) }
        }
        return (bySeries.count, sums.map { $0 / Double(max(bySeries.count, 1)) })
    }
}
