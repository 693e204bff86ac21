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
        Family(title: "Theta", ours: "theta", peers: ["statsforecast_autotheta"]),
        Family(
            title: "Automatic", ours: "auto",
            peers: ["statsforecast_ensemble", "statsforecast_autoets", "statsforecast_autoarima", "statsforecast_autotheta", "statsmodels_ets"]),
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

        print("Coverage and MSIS (M4's scaled interval score, lower is better) are of the intervals as served: Almanac's")
        print("calibrated on backtest windows of each training part (IntervalCalibration), the peers' their own. \"own 95%\"")
        print("is the coverage of Almanac's uncalibrated intervals; \"+ calibration s\" the CPU seconds of its extra fits.")
        print("")
        print("| family | model | series | mean sMAPE | mean MASE | 80% coverage | 95% coverage | MSIS 95 | own 95% | s per series | + calibration s | Almanac MASE ÷ this (95% bootstrap) | Almanac speed-up |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
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
                let own = i == 0 ? fmt(s.rawCoverage95, 3) : ""
                let calibration = i == 0 ? fmt(s.calibrationSeconds, 4) : ""
                print(
                    "| \(i == 0 ? family.title : "") | \(label(name)) | \(seriesCount)\(windows)\(failed > 0 ? " (\(failed) failed)" : "") | \(fmt(s.smape, 2)) | \(fmt(s.mase)) | \(fmt(s.coverage80, 3)) | \(fmt(s.coverage95, 3)) | \(fmt(s.msis95, 2)) | \(own) | \(fmt(s.seconds, 4)) | \(calibration) | \(ratio) | \(speed) |"
                )
            }
        }
        print("")
        print("Mean MASE by frequency, on the series where every model produced a forecast:")
        print("")
        var models: [String] = []
        for name in Self.families.flatMap({ ["almanac_" + $0.ours] + $0.peers }) where byModel[name] != nil && !models.contains(name) {
            models.append(name)
        }
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
        coverageByFrequency(byModel, allWindows, freqOf)
    }

    /// One forecast window: a series at one origin.
    struct Window: Hashable {
        var series: String
        var origin: Int
        init(series: String, origin: Int) { (self.series, self.origin) = (series, origin) }
        init(_ r: SeriesResult) { self.init(series: r.series, origin: r.origin ?? 0) }
    }

    struct Scores {
        var smape: Double, mase: Double, coverage80: Double, coverage95: Double, msis95: Double
        var rawCoverage95: Double, seconds: Double, calibrationSeconds: Double
    }

    /// Each series' scores averaged over its windows, in series order (so two models' lists pair up).
    private func seriesMeans(_ rs: [SeriesResult]) -> [Scores] {
        Dictionary(grouping: rs, by: \.series).sorted { $0.key < $1.key }.map { summary($0.value) }
    }

    private func summary(_ rs: [SeriesResult]) -> Scores {
        Scores(
            smape: mean(rs.compactMap(\.smape)), mase: mean(rs.compactMap(\.mase)), coverage80: mean(rs.compactMap(\.coverage80)),
            coverage95: mean(rs.compactMap(\.coverage95)), msis95: mean(rs.compactMap(\.msis95)),
            rawCoverage95: mean(rs.compactMap { $0.rawCoverage95 ?? $0.coverage95 }), seconds: mean(rs.compactMap(\.seconds)),
            calibrationSeconds: mean(rs.compactMap(\.calibrationSeconds)))
    }

    private func summary(_ rs: [Scores]) -> Scores {
        Scores(
            smape: mean(rs.map(\.smape)), mase: mean(rs.map(\.mase)), coverage80: meanFinite(rs.map(\.coverage80)),
            coverage95: meanFinite(rs.map(\.coverage95)), msis95: meanFinite(rs.map(\.msis95)),
            rawCoverage95: meanFinite(rs.map(\.rawCoverage95)), seconds: mean(rs.map(\.seconds)),
            calibrationSeconds: meanFinite(rs.map(\.calibrationSeconds)))
    }

    private func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// The mean of the finite values (a peer without an 80 % interval, a series without MSIS, are left out).
    private func meanFinite(_ xs: [Double]) -> Double { mean(xs.filter(\.isFinite)) }

    /// Each (family, frequency) with at least 10 series: every model's coverage at 80 and 95 %, on the windows
    /// where the whole family forecast — the issue's calibration bands are 0.77–0.83 and 0.93–0.97.
    private func coverageByFrequency(_ byModel: [String: [Window: SeriesResult]], _ allWindows: Set<Window>, _ freqOf: [String: String]) {
        print("")
        print("Coverage of the served intervals at 80 / 95 % by family and frequency (frequencies with at least 10 series):")
        print("")
        print("| family | frequency | series | " + "Almanac: 80% / 95% / MSIS 95 | peers |")
        print("| --- | --- | ---: | --- | --- |")
        for family in Self.families {
            let names = ["almanac_" + family.ours] + family.peers.filter { byModel[$0] != nil }
            let common = allWindows.filter { w in names.allSatisfy { byModel[$0]?[w]?.mase != nil } }
            for f in Set(freqOf.values).sorted() {
                let windows = common.filter { freqOf[$0.series] == f }
                let series = Set(windows.map(\.series)).count
                guard series >= 10 else { continue }
                let cells = names.map { name -> String in
                    let s = summary(seriesMeans(windows.compactMap { byModel[name]?[$0] }))
                    return "\(label(name)) \(fmt(s.coverage80, 3)) / \(fmt(s.coverage95, 3)) / \(fmt(s.msis95, 2))"
                }
                print("| \(family.title) | \(f) | \(series) | \(cells[0]) | \(cells.dropFirst().joined(separator: "; ")) |")
            }
        }
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
        case "almanac_theta": "Almanac Theta"
        case "almanac_auto": "Almanac auto (backtest-chosen combination)"
        case "statsforecast_autotheta": "statsforecast AutoTheta"
        case "statsforecast_ensemble": "statsforecast mean(AutoETS, AutoARIMA, AutoTheta)"
        default: name
        }
    }
}
