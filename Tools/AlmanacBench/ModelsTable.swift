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
        var byModel: [String: [String: SeriesResult]] = [:]
        for r in ours { byModel["almanac_" + r.model, default: [:]][r.series] = r }
        for r in theirs { byModel[r.model, default: [:]][r.series] = r }
        let allSeries = Set(ours.map(\.series)).union(theirs.map(\.series))

        print("| family | model | series | mean sMAPE | mean MASE | 95% coverage | s per series | Almanac MASE ÷ this | Almanac speed-up |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for family in Self.families {
            let names = ["almanac_" + family.ours] + family.peers.filter { byModel[$0] != nil }
            // Score every model of the family on the series where all of them produced a forecast.
            let common = allSeries.filter { id in
                names.allSatisfy { byModel[$0]?[id]?.mase != nil && byModel[$0]?[id]?.smape != nil }
            }
            let stats = names.map { name in summary(common.compactMap { byModel[name]?[$0] }) }
            for (i, name) in names.enumerated() {
                let s = stats[i]
                let failed = byModel[name]?.values.filter { $0.mase == nil }.count ?? 0
                let ratio = i == 0 ? "—" : fmt(stats[0].mase / s.mase) + "×"
                let speed = i == 0 ? "—" : fmt(s.seconds / stats[0].seconds, 1) + "×"
                print(
                    "| \(i == 0 ? family.title : "") | \(label(name)) | \(common.count)\(failed > 0 ? " (\(failed) failed)" : "") | \(fmt(s.smape, 2)) | \(fmt(s.mase)) | \(fmt(s.coverage95, 3)) | \(fmt(s.seconds, 4)) | \(ratio) | \(speed) |"
                )
            }
        }
        print("")
        print("Mean MASE by frequency, on the series where every model produced a forecast:")
        print("")
        let models = Self.families.flatMap { ["almanac_" + $0.ours] + $0.peers }.filter { byModel[$0] != nil }
        let everywhere = allSeries.filter { id in models.allSatisfy { byModel[$0]?[id]?.mase != nil } }
        print("| frequency | series | " + models.map(label).joined(separator: " | ") + " |")
        print("| --- | ---: |" + String(repeating: " ---: |", count: models.count))
        let freqOf = Dictionary(ours.map { ($0.series, $0.freq) }, uniquingKeysWith: { a, _ in a })
        let freqs = Set(freqOf.values).sorted()
        for f in freqs {
            let ids = everywhere.filter { freqOf[$0] == f }
            guard !ids.isEmpty else { continue }
            let cells = models.map { name in fmt(summary(ids.compactMap { byModel[name]?[$0] }).mase) }
            print("| \(f) | \(ids.count) | " + cells.joined(separator: " | ") + " |")
        }
    }

    private func summary(_ rs: [SeriesResult]) -> (smape: Double, mase: Double, coverage95: Double, seconds: Double) {
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
        return (
            mean(rs.compactMap(\.smape)), mean(rs.compactMap(\.mase)), mean(rs.compactMap(\.coverage95)),
            mean(rs.compactMap(\.seconds))
        )
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
