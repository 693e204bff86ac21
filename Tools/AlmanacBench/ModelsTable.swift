import ArgumentParser
import Foundation

/// Joins Almanac's and the peers' results into the Markdown tables of BENCHMARKS.md.
struct ModelsTable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models-table", abstract: "Markdown tables from the results of `models` and scripts/bench/peers.py.")

    @Option(help: "JSON lines written by `AlmanacBench models`.") var almanac: String
    @Option(help: "JSON lines written by scripts/bench/peers.py.") var peers: String

    struct Family {
        var title: String
        var ours: String
        var peers: [String]
    }

    static let families = [
        Family(title: "Holt-Winters (ETS)", ours: "holt_winters", peers: ["statsforecast_autoets", "statsmodels_ets"]),
        Family(title: "SARIMAX", ours: "sarimax", peers: ["statsforecast_autoarima", "statsmodels_sarimax"]),
        Family(title: "Prophet-like", ours: "prophet", peers: ["prophet"]),
    ]

    func run() throws {
        let ours = try readJSONLines(SeriesResult.self, from: almanac)
        let theirs = try readJSONLines(SeriesResult.self, from: peers)
        // Results are keyed by (series, origin): with --origins a series has one forecast window per origin.
        var byModel: [String: [Window: SeriesResult]] = [:]
        for r in ours { byModel["almanac_" + r.model, default: [:]][Window(r)] = r }
        for r in theirs { byModel[r.model, default: [:]][Window(r)] = r }
        let allWindows = Set(ours.map(Window.init)).union(theirs.map(Window.init))
        let origins = Set(allWindows.map(\.origin)).sorted()
        if origins != [0] {
            print("Origins \(origins.map(String.init).joined(separator: ", ")): each series' scores are averaged over its windows, then over the series.")
            print("")
        }

        print("| family | model | series | mean sMAPE | mean MASE | 95% coverage | s per series | Almanac MASE ÷ this (95% bootstrap) | Almanac speed-up |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for family in Self.families {
            let names = ["almanac_" + family.ours] + family.peers.filter { byModel[$0] != nil }
            // Score every model of the family on the windows where all of them produced a forecast.
            let common = allWindows.filter { w in
                names.allSatisfy { byModel[$0]?[w]?.mase != nil && byModel[$0]?[w]?.smape != nil }
            }
            let perSeries = names.map { name in seriesMeans(common.compactMap { byModel[name]?[$0] }) }
            let stats = perSeries.map(summary)
            let seriesCount = Set(common.map(\.series)).count
            let windows = common.count > seriesCount ? " (\(common.count) windows)" : ""
            for (i, name) in names.enumerated() {
                let s = stats[i]
                let failed = byModel[name]?.values.filter { $0.mase == nil }.count ?? 0
                let ratio: String
                if i == 0 {
                    ratio = "—"
                } else {
                    let (low, high) = bootstrapRatio(perSeries[0], perSeries[i])
                    ratio = fmt(stats[0].mase / s.mase) + "× (\(fmt(low))–\(fmt(high)))"
                }
                let speed = i == 0 ? "—" : fmt(s.seconds / stats[0].seconds, 1) + "×"
                print(
                    "| \(i == 0 ? family.title : "") | \(label(name)) | \(seriesCount)\(windows)\(failed > 0 ? " (\(failed) failed)" : "") | \(fmt(s.smape, 2)) | \(fmt(s.mase)) | \(fmt(s.coverage95, 3)) | \(fmt(s.seconds, 4)) | \(ratio) | \(speed) |"
                )
            }
        }
        print("")
        print("Mean MASE by frequency, on the series where every model produced a forecast:")
        print("")
        let models = Self.families.flatMap { ["almanac_" + $0.ours] + $0.peers }.filter { byModel[$0] != nil }
        let everywhere = allWindows.filter { w in models.allSatisfy { byModel[$0]?[w]?.mase != nil } }
        print("| frequency | series | " + models.map(label).joined(separator: " | ") + " |")
        print("| --- | ---: |" + String(repeating: " ---: |", count: models.count))
        let freqOf = Dictionary(ours.map { ($0.series, $0.freq) }, uniquingKeysWith: { a, _ in a })
        let freqs = Set(freqOf.values).sorted()
        for f in freqs {
            let windows = everywhere.filter { freqOf[$0.series] == f }
            guard !windows.isEmpty else { continue }
            let cells = models.map { name in fmt(summary(seriesMeans(windows.compactMap { byModel[name]?[$0] })).mase) }
            print("| \(f) | \(Set(windows.map(\.series)).count) | " + cells.joined(separator: " | ") + " |")
        }
    }

    /// One forecast window: a series at one origin.
    struct Window: Hashable {
        var series: String
        var origin: Int
        init(series: String, origin: Int) { (self.series, self.origin) = (series, origin) }
        init(_ r: SeriesResult) { self.init(series: r.series, origin: r.origin ?? 0) }
    }

    typealias Scores = (smape: Double, mase: Double, coverage95: Double, seconds: Double)

    /// Each series' scores averaged over its windows, in series order (so two models' lists pair up).
    private func seriesMeans(_ rs: [SeriesResult]) -> [Scores] {
        Dictionary(grouping: rs, by: \.series).sorted { $0.key < $1.key }.map { summary($0.value) }
    }

    private func summary(_ rs: [SeriesResult]) -> Scores {
        (
            mean(rs.compactMap(\.smape)), mean(rs.compactMap(\.mase)), mean(rs.compactMap(\.coverage95)),
            mean(rs.compactMap(\.seconds))
        )
    }

    private func summary(_ rs: [Scores]) -> Scores {
        (mean(rs.map(\.smape)), mean(rs.map(\.mase)), mean(rs.map(\.coverage95)), mean(rs.map(\.seconds)))
    }

    private func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// 95 % interval of mean MASE(ours) / mean MASE(theirs) from a paired bootstrap over the series
    /// (2,000 resamples, fixed seed).
    private func bootstrapRatio(_ ours: [Scores], _ theirs: [Scores]) -> (Double, Double) {
        guard ours.count == theirs.count, !ours.isEmpty else { return (.nan, .nan) }
        var rng = SplitMix64(seed: 4)
        var ratios: [Double] = []
        for _ in 0..<2000 {
            var a = 0.0, b = 0.0
            for _ in ours.indices {
                let i = Int.random(in: 0..<ours.count, using: &rng)
                a += ours[i].mase
                b += theirs[i].mase
            }
            ratios.append(a / b)
        }
        ratios.sort()
        return (ratios[49], ratios[1949])
    }

    private func label(_ name: String) -> String {
        switch name {
        case "almanac_holt_winters": "Almanac HoltWinters.fitCombination"
        case "almanac_sarimax": "Almanac SARIMAX.fitAuto"
        case "almanac_prophet": "Almanac Prophet"
        case "statsforecast_autoets": "statsforecast AutoETS"
        case "statsmodels_ets": "statsmodels ExponentialSmoothing"
        case "statsforecast_autoarima": "statsforecast AutoARIMA"
        case "statsmodels_sarimax": "statsmodels SARIMAX"
        case "prophet": "prophet (Stan)"
        default: name
        }
    }
}
