import Dispatch
import Synchronization

/// Forecasts for a total and its parts — a category and its products — that add up, the reconciliation
/// chosen on the backtest (hierarchicalforecast's workflow, for two levels).
///
/// The category's forecast comes from its own model (the best of the category's backtest), made at the end of
/// the series and at each backtest origin. Each product with enough history gets its own model fitted at the
/// same origins (Holt-Winters or Theta, whichever erred less there); the other products, too new or too sparse to fit, are one node, the rest of the category,
/// whose forecast is its share of the category's. At every origin the three methods of ``Reconciliation``
/// reconcile those forecasts, and each is scored on what followed: half the category's scaled error, half the
/// products' mean scaled error (every level weighs the same, as in M5's WRMSSE). The method with the lowest
/// mean score reconciles the final forecasts. MinT's error covariance at an origin comes from the other
/// origins' errors only, so no window grades a method fitted on itself.
///
/// Each product's intervals are its base forecast's moved with its mean (its share of the category's, for
/// `top_down` and for the products without their own model) and then calibrated on the reconciled backtest
/// errors (``IntervalCalibration``). Lower bounds stop at 0: sales are not negative.
public enum HierarchicalForecast {
    public struct Options: Sendable {
        public var horizon: Int
        /// Season length for the products' Theta models.
        public var period: Int
        /// At most this many products get their own model, the largest by sales; the others share.
        public var maxModelled: Int
        /// Days of recent history that a product's share of the category is measured over.
        public var shareDays: Int
        public var levels: [Double]
        /// The products' own models: each product gets the one with the lower backtest error.
        public var partModels: [PartModel]

        public init(
            horizon: Int, period: Int = 7, maxModelled: Int = 100, shareDays: Int = 56, levels: [Double] = [80, 95],
            partModels: [PartModel] = [.holtWinters, .theta]
        ) {
            self.horizon = horizon
            self.period = period
            self.maxModelled = maxModelled
            self.shareDays = shareDays
            self.levels = levels
            self.partModels = partModels
        }
    }

    /// A model a product's own forecast can come from.
    public enum PartModel: String, Sendable, CaseIterable {
        case holtWinters = "holt_winters", theta

        func forecast(_ values: [Double], period: Int, horizon: Int) -> Forecast? {
            let f: Forecast?
            switch self {
            case .theta: f = (try? Theta.fit(values, period: period))?.forecast(horizon: horizon, levels: [80, 95])
            case .holtWinters:
                f = (try? HoltWinters.fitCombination(values, period: period, horizon: horizon, validation: nil))?.forecast(horizon: horizon, levels: [80, 95])
            }
            return f.flatMap { $0.mean.allSatisfy(\.isFinite) ? $0 : nil }
        }
    }

    /// A product's daily values on the category's days (0 before its first sale).
    public struct Part: Sendable {
        public var id: String
        public var values: [Double]
        public init(id: String, values: [Double]) {
            self.id = id
            self.values = values
        }
    }

    public struct PartForecast: Sendable, Equatable {
        public var id: String
        /// Its own model (`holt_winters`, `theta`), or `share`: its share of the category's forecast.
        public var base: String
        public var forecast: Forecast
    }

    public struct Result: Sendable {
        public var method: Reconciliation
        /// Each method's mean backtest score (lower is better); empty without backtest windows.
        public var scores: [Reconciliation: Double]
        public var windows: Int
        public var modelled: Int
        public var parts: [PartForecast]
    }

    /// Reconciled forecasts for `parts` of `total`: `totalForecast` is the category's forecast after the last
    /// value, `totalWindows` its forecasts at backtest origins (keyed by the index of the first forecast day).
    /// Without backtest windows the method is `top_down`: nothing tells another one is better.
    public static func run(
        total: [Double], totalForecast: Forecast, totalWindows: [Int: Forecast], parts: [Part], options: Options
    ) -> Result {
        let n = total.count
        precondition(parts.allSatisfy { $0.values.count == n }, "every part needs one value per day of the total")
        let cuts = totalWindows.keys.sorted().filter { c in c > 0 && c + (totalWindows[c]?.mean.count ?? 0) <= n }
        let minTrain = max(2 * options.period + 2, 14)
        let firstCut = cuts.first ?? n
        // The products that get their own model: enough history before the first origin, the largest first.
        let eligible = parts.indices.filter { i in
            guard let first = parts[i].values.firstIndex(where: { $0 != 0 }) else { return false }
            return firstCut - first >= minTrain && parts[i].values[first..<firstCut].filter { $0 != 0 }.count >= 8
        }
        let volume = parts.map { $0.values.reduce(0, +) }
        let modelled = Array(eligible.sorted { volume[$0] > volume[$1] }.prefix(options.maxModelled)).sorted()
        let rest = Set(parts.indices).subtracting(modelled).sorted()

        // Base forecasts of every modelled product at each origin (the cuts, then the end), in parallel.
        let origins = cuts + [n]
        let horizons = cuts.map { totalWindows[$0]!.mean.count } + [options.horizon]
        // Each product's model is the one of `partModels` with the lowest mean absolute error on the windows.
        let fits = Mutex([(model: PartModel, forecasts: [Forecast?])?](repeating: nil, count: modelled.count))
        DispatchQueue.concurrentPerform(iterations: modelled.count) { k in
            let values = parts[modelled[k]].values
            let first = values.firstIndex(where: { $0 != 0 }) ?? 0
            var best: (model: PartModel, forecasts: [Forecast?], error: Double)?
            for model in options.partModels {
                let forecasts = zip(origins, horizons).map { (cut, h) in model.forecast(Array(values[first..<cut]), period: options.period, horizon: h) }
                var error = 0.0
                for (o, cut) in cuts.enumerated() {
                    guard let f = forecasts[o] else { error = .infinity; break }
                    error += mae(Array(values[cut..<(cut + f.mean.count)]), f.mean)
                }
                if forecasts.last! == nil { error = .infinity }
                if best == nil || error < best!.error { best = (model, forecasts, error) }
            }
            let chosen = best.map { (model: $0.model, forecasts: $0.forecasts) }
            fits.withLock { $0[k] = chosen }
        }
        let partModels = fits.withLock { $0 }
        let partFits = partModels.map { $0?.forecasts ?? [Forecast?](repeating: nil, count: origins.count) }

        // One origin's nodes: the category, the modelled products, and the rest (when there is one).
        struct Origin {
            var total: Forecast
            var parts: [Forecast]
            var fromShare: [Bool]
            var shares: [Double]
            var actual: [[Double]]?  // per node, total first
            var scale: [Double]      // per node, total first
        }
        // Each node's values, total first: the category, the modelled products, the rest's sum (the same at every origin).
        let nodeValues: [[Double]] = [total] + modelled.map { parts[$0].values }
            + (rest.isEmpty ? [] : [(0..<n).map { t in rest.reduce(0) { $0 + parts[$1].values[t] } }])
        func origin(_ o: Int) -> Origin {
            let cut = origins[o], h = horizons[o]
            let totalF = o < cuts.count ? totalWindows[cut]! : totalForecast
            let from = max(0, cut - options.shareDays)
            var recent = total[from..<cut].reduce(0, +)
            var partRecent = { (i: Int) in parts[i].values[from..<cut].reduce(0, +) }
            if recent <= 0 {
                recent = total[..<cut].reduce(0, +)
                partRecent = { (i: Int) in parts[i].values[..<cut].reduce(0, +) }
            }
            let share = { (i: Int) in recent > 0 ? max(0, partRecent(i)) / recent : 0 }
            var nodeShares = modelled.map(share)
            var nodeParts: [Forecast] = [], fromShare: [Bool] = []
            for (k, i) in modelled.enumerated() {
                if let f = partFits[k][o] {
                    nodeParts.append(f)
                    fromShare.append(false)
                } else {
                    nodeParts.append(scaled(totalF, by: share(i)))
                    fromShare.append(true)
                }
            }
            if !rest.isEmpty {
                let s = rest.map(share).reduce(0, +)
                nodeShares.append(s)
                nodeParts.append(scaled(totalF, by: s))
                fromShare.append(true)
            }
            let actual = cut < n ? nodeValues.map { Array($0[cut..<(cut + h)]) } : nil
            let scale = nodeValues.map { v in scaleOf(Array(v[..<cut])) }
            return Origin(total: totalF, parts: nodeParts, fromShare: fromShare, shares: nodeShares, actual: actual, scale: scale)
        }
        let all = origins.indices.map(origin)
        let windows = Array(all.dropLast())

        // Errors of the base forecasts, one sample per window and step, total first.
        func errors(excluding skip: Int?) -> [[Double]] {
            var out: [[Double]] = []
            for (w, o) in windows.enumerated() where w != skip {
                guard let actual = o.actual else { continue }
                for t in actual[0].indices {
                    out.append([actual[0][t] - o.total.mean[t]] + o.parts.indices.map { actual[$0 + 1][t] - o.parts[$0].mean[t] })
                }
            }
            return out
        }
        func reconcile(_ o: Origin, _ method: Reconciliation, covariance: [[Double]]?) -> [[Double]] {
            switch method {
            case .bottomUp: return o.parts.map(\.mean)
            case .topDown: return HierarchicalReconciler.topDown(total: o.total.mean, shares: o.shares)
            case .mintShrink:
                guard let covariance else { return o.parts.map(\.mean) }
                return HierarchicalReconciler.mint(total: o.total.mean, parts: o.parts.map(\.mean), covariance: covariance)
            }
        }
        func covariance(excluding skip: Int?) -> [[Double]]? {
            var e = errors(excluding: skip)
            if e.count < 2 { e = errors(excluding: nil) }
            return e.count >= 2 ? HierarchicalReconciler.shrunkCovariance(e).covariance : nil
        }
        var scores: [Reconciliation: Double] = [:]
        var reconciledWindows: [Reconciliation: [[[Double]]]] = [:]
        if !windows.isEmpty && !(modelled.isEmpty && rest.isEmpty) {
            for method in Reconciliation.allCases {
                var total = 0.0
                var perWindow: [[[Double]]] = []
                for (w, o) in windows.enumerated() {
                    let r = reconcile(o, method, covariance: method == .mintShrink ? covariance(excluding: w) : nil)
                    perWindow.append(r)
                    guard let actual = o.actual else { continue }
                    let sum = actual[0].indices.map { t in r.reduce(0) { $0 + $1[t] } }
                    let partScores = r.indices.map { mae(actual[$0 + 1], r[$0]) / o.scale[$0 + 1] }
                    total += 0.5 * mae(actual[0], sum) / o.scale[0] + 0.5 * Statistics.mean(partScores)
                }
                scores[method] = total / Double(windows.count)
                reconciledWindows[method] = perWindow
            }
        }
        let method = scores.min { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }?.key ?? .topDown

        // The final forecasts, their intervals moved with the reconciled means and calibrated on the windows.
        let final = all[all.count - 1]
        let means = reconcile(final, method, covariance: covariance(excluding: nil))
        func served(_ o: Origin, node k: Int, mean: [Double]) -> Forecast {
            shifted(method == .topDown || o.fromShare[k] ? scaled(o.total, by: o.shares[k]) : o.parts[k], to: mean)
        }
        var nodeForecasts: [Forecast] = []
        for k in final.parts.indices {
            var calibration = IntervalCalibration()
            for (w, o) in windows.enumerated() {
                guard let actual = o.actual, let r = reconciledWindows[method]?[w] else { continue }
                calibration.record(forecast: served(o, node: k, mean: r[k]), actual: actual[k + 1])
            }
            nodeForecasts.append(nonNegative(calibration.apply(to: served(final, node: k, mean: means[k]))))
        }
        var out: [PartForecast] = []
        for (k, i) in modelled.enumerated() {
            out.append(PartForecast(id: parts[i].id, base: final.fromShare[k] ? "share" : partModels[k]?.model.rawValue ?? "share", forecast: nodeForecasts[k]))
        }
        if !rest.isEmpty, let restForecast = nodeForecasts.last {
            let restShare = final.shares.last ?? 0
            let cut = n, from = max(0, cut - options.shareDays)
            let recent = rest.map { i in parts[i].values[from..<cut].reduce(0, +) }
            let whole = rest.map { i in parts[i].values.reduce(0, +) }
            let weights = recent.reduce(0, +) > 0 ? recent : whole
            let sum = weights.reduce(0, +)
            for (j, i) in rest.enumerated() {
                let w = sum > 0 && restShare > 0 ? weights[j] / sum : 0
                out.append(PartForecast(id: parts[i].id, base: "share", forecast: scaled(restForecast, by: w)))
            }
        }
        out.sort { $0.id < $1.id }
        return Result(method: method, scores: scores, windows: windows.count, modelled: modelled.count, parts: out)
    }

    static func mae(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty else { return 0 }
        return zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count)
    }

    /// The scale a node's errors are divided by: its mean absolute day-to-day change, or its mean size when it
    /// never changed, or 1 for a node that never sold.
    static func scaleOf(_ v: [Double]) -> Double {
        if v.count > 1 {
            var s = 0.0
            for t in 1..<v.count { s += abs(v[t] - v[t - 1]) }
            s /= Double(v.count - 1)
            if s > 0 { return s }
        }
        let m = v.isEmpty ? 0 : v.reduce(0) { $0 + abs($1) } / Double(v.count)
        return m > 0 ? m : 1
    }

    static func scaled(_ f: Forecast, by s: Double) -> Forecast {
        Forecast(mean: f.mean.map { $0 * s }, intervals: f.intervals.map {
            PredictionInterval(level: $0.level, lower: $0.lower.map { $0 * s }, upper: $0.upper.map { $0 * s })
        })
    }

    static func shifted(_ f: Forecast, to mean: [Double]) -> Forecast {
        let d = zip(mean, f.mean).map { $0 - $1 }
        return Forecast(mean: mean, intervals: f.intervals.map {
            PredictionInterval(level: $0.level, lower: zip($0.lower, d).map { $0 + $1 }, upper: zip($0.upper, d).map { $0 + $1 })
        })
    }

    static func nonNegative(_ f: Forecast) -> Forecast {
        Forecast(mean: f.mean.map { max(0, $0) }, intervals: f.intervals.map {
            PredictionInterval(level: $0.level, lower: $0.lower.map { max(0, $0) }, upper: $0.upper.map { max(0, $0) })
        })
    }
}
